#include "engine/remote_follow.h"

#include "engine/event_codec.h"
#include "engine/line_process.h"
#include "engine/run_mirror.h"
#include "store/run_store.h"
#include "util/error.h"
#include "util/shell_words.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <utility>

namespace cpo::engine {
namespace {

constexpr auto kPoll = std::chrono::milliseconds(100); // how often `stop` is looked at

void requireSafe(std::string_view what, std::string_view value)
{
    // ssh runs the remote command through the user's shell.
    if (!isPlainShellWord(value) || value.front() == '-')
        throw Error(std::string(what) + " '" + std::string(value) +
                    "' must be non-empty, not start with '-' and hold only letters, digits and "
                    "@ % + = : , . / _ ~ - (the remote shell would interpret anything else)");
}

std::string substitute(std::string word, const store::RemoteOrigin& origin, std::int64_t fromSeq)
{
    const std::pair<std::string_view, std::string> values[]{
        {"{host}", origin.host},
        {"{id}", std::to_string(origin.runId)},
        {"{db}", origin.db},
        {"{from}", std::to_string(fromSeq)}};
    std::string out;
    for (std::size_t i = 0; i < word.size();) {
        if (word[i] != '{') {
            out += word[i++];
            continue;
        }
        const auto end = word.find('}', i);
        const auto name = word.substr(i, end == std::string::npos ? end : end - i + 1);
        const auto found = std::find_if(std::begin(values), std::end(values),
                                        [&](const auto& value) { return value.first == name; });
        if (found == std::end(values))
            throw Error("the command template has an unknown placeholder '" + name +
                        "' (known: {host}, {id}, {db}, {db_option}, {from})");
        out += found->second;
        i += name.size();
    }
    return out;
}

std::string exitExplanation(int code)
{
    if (code == 255)
        return " (ssh could not connect or log in: check the host name and that your ssh key "
               "lets you in without a password, e.g. `ssh HOST true` in a terminal)";
    if (code == 127)
        return " (command not found: the remote machine has no `cpo` on the PATH that ssh's "
               "non-interactive shell sees; install it or give its full path in the command "
               "template)";
    return "";
}

struct DecodedLine {
    std::int64_t seq = 0;
    RunEvent event;
};

DecodedLine decodeLine(const std::string& line, std::int64_t number, const std::string& command)
{
    const auto where = "line " + std::to_string(number) + " of `" + command + "`'s output";
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(line);
    } catch (const std::exception& e) {
        throw Error(where + " is not JSON (" + e.what() + "): " + line.substr(0, 200));
    }
    if (!json.is_object() || !json.contains("seq") || !json["seq"].is_number_integer())
        throw Error(where + " has no integer \"seq\": " + line.substr(0, 200));
    try {
        return {json["seq"].get<std::int64_t>(), eventFromJson(json)};
    } catch (const std::exception& e) {
        throw Error(where + " is not a run event: " + e.what());
    }
}

} // namespace

std::vector<std::string> followCommand(std::string_view commandTemplate,
                                       const store::RemoteOrigin& origin, std::int64_t fromSeq)
{
    if (commandTemplate.find("{host}") != std::string_view::npos)
        requireSafe("the host", origin.host);
    if (!origin.db.empty())
        requireSafe("the remote store path", origin.db);
    std::vector<std::string> argv;
    std::size_t start = 0;
    while (start < commandTemplate.size()) {
        const auto end = std::min(commandTemplate.find(' ', start), commandTemplate.size());
        const std::string word(commandTemplate.substr(start, end - start));
        start = end + 1;
        if (word.empty())
            continue;
        if (word == "{db_option}") {
            if (!origin.db.empty()) {
                argv.push_back("--db");
                argv.push_back(origin.db);
            }
            continue;
        }
        argv.push_back(substitute(word, origin, fromSeq));
    }
    if (argv.empty())
        throw Error("the command template is empty (the default is `" +
                    std::string(kDefaultFollowCommand) + "`)");
    return argv;
}

std::string displayCommand(const std::vector<std::string>& argv)
{
    std::string line;
    for (const auto& arg : argv) {
        if (!line.empty())
            line += ' ';
        line += shellQuoted(arg);
    }
    return line;
}

RemoteFollowResult followRemoteRun(const std::filesystem::path& db,
                                   const store::RemoteOrigin& origin,
                                   std::string_view commandTemplate,
                                   const RemoteFollowListener& listener, std::stop_token stop)
{
    store::RunStore store(db);
    RunMirror mirror(store, origin);
    RemoteFollowResult result;
    const auto announce = [&] {
        if (result.localRunId != 0 || mirror.runId() == 0)
            return;
        result.localRunId = mirror.runId();
        if (listener.mirrorOpened)
            listener.mirrorOpened(result.localRunId);
    };
    announce();
    const auto argv = followCommand(commandTemplate, origin, mirror.lastSeq());
    const auto command = displayCommand(argv);
    LineProcess process(argv);
    std::int64_t lineNumber = 0;
    std::vector<std::string> lines;
    std::vector<std::pair<std::int64_t, RunEvent>> batch;
    for (bool open = true; open;) {
        if (stop.stop_requested()) {
            process.terminate();
            process.wait();
            result.stopped = true;
            result.ended = mirror.ended();
            return result;
        }
        lines.clear();
        open = process.readLines(lines, kPoll);
        batch.clear();
        std::optional<std::string> malformed;
        for (const auto& line : lines) {
            ++lineNumber;
            if (line.empty())
                continue;
            try {
                auto decoded = decodeLine(line, lineNumber, command);
                batch.emplace_back(decoded.seq, std::move(decoded.event));
            } catch (const Error& e) {
                malformed = e.what(); // what came before it is still mirrored
                break;
            }
        }
        const auto stored = mirror.apply(batch);
        announce();
        for (const auto& event : stored) {
            ++result.events;
            if (listener.event)
                listener.event(result.localRunId, event);
        }
        if (malformed)
            throw Error(*malformed + (result.localRunId == 0
                                          ? std::string("; nothing was mirrored")
                                          : "; run " + std::to_string(result.localRunId) +
                                                " keeps the " +
                                                std::to_string(mirror.lastSeq()) +
                                                " events mirrored before it"));
    }
    const int code = process.wait();
    result.ended = mirror.ended();
    if (code != 0) {
        const auto tail = process.stderrTail();
        throw Error("`" + command + "` exited with status " + std::to_string(code) +
                    exitExplanation(code) +
                    (tail.empty() ? std::string() : ":\n" + tail));
    }
    if (!result.ended)
        throw Error("`" + command + "` ended before the run did (after event " +
                    std::to_string(mirror.lastSeq()) + "); follow it again to continue");
    return result;
}

} // namespace cpo::engine
