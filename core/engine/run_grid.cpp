#include "engine/run_grid.h"

#include "engine/experiment_limits.h"
#include "util/error.h"

#include <algorithm>

namespace cpo::engine {
namespace {

using json = nlohmann::json;

constexpr std::string_view kQueueFields[] = {"experiment", "set", "grid", "runs"};

std::string assignment(const std::string& key, const json& value)
{
    return key + "=" + value.dump();
}

// The "set" object of the queue or of a listed run, as assignments.
std::vector<std::string> assignments(const json& object, const std::string& where)
{
    if (!object.is_object())
        throw Error(where + " must be an object of \"key.path\": value");
    std::vector<std::string> out;
    for (const auto& [key, value] : object.items())
        out.push_back(assignment(key, value));
    return out;
}

// Every combination of the grid's values, the last key varying fastest.
std::vector<std::vector<std::string>> gridPoints(const json& grid, const std::string& source)
{
    std::vector<std::vector<std::string>> points{{}};
    if (!grid.is_object() || grid.empty())
        throw Error(source + ": \"grid\" must be an object of \"key.path\": [values, ...]");
    // Counted before any is built: a grid of 10^8 combinations is refused, not allocated.
    std::int64_t combinations = 1;
    for (const auto& [key, values] : grid.items()) {
        if (!values.is_array() || values.empty())
            throw Error(source + ": grid." + key + " must be a non-empty array of values");
        combinations *= static_cast<std::int64_t>(values.size());
        if (combinations > kMaxQueueRuns)
            throw Error(source + ": the grid has more than " + std::to_string(kMaxQueueRuns) +
                        " combinations (at grid." + key + "), the most a queue may run; "
                        "split it into several queue files");
    }
    for (const auto& [key, values] : grid.items()) {
        std::vector<std::vector<std::string>> next;
        for (const auto& point : points)
            for (const auto& value : values) {
                auto extended = point;
                extended.push_back(assignment(key, value));
                next.push_back(std::move(extended));
            }
        points = std::move(next);
    }
    return points;
}

QueuedRun makeRun(const json& base, std::string name, std::vector<std::string> overrides,
                  const std::string& source)
{
    QueuedRun run;
    run.name = std::move(name);
    run.overrides = std::move(overrides);
    run.experiment = base;
    try {
        for (const auto& override : run.overrides)
            applyOverride(run.experiment, override);
        run.experiment["name"] = run.name;
        run.config = parseExperiment(run.experiment, source + " (" + run.name + ")");
    } catch (const Error& e) {
        run.error = e.what();
    }
    return run;
}

} // namespace

std::vector<QueuedRun> loadQueue(const std::filesystem::path& file)
{
    const std::string source = file.string();
    const json queue = readJsonWithComments(file);
    if (!queue.is_object())
        throw Error(source + ": a queue file is a JSON object with \"experiment\" and \"grid\" "
                             "or \"runs\"");
    for (const auto& [key, value] : queue.items())
        if (std::ranges::find(kQueueFields, key) == std::end(kQueueFields))
            throw Error(source + ": unknown field \"" + key +
                        "\" (a queue has experiment, set, grid and runs)");
    if (!queue.contains("experiment") || !queue["experiment"].is_string())
        throw Error(source + ": \"experiment\" must name the experiment file the runs start from");
    if (!queue.contains("grid") && !queue.contains("runs"))
        throw Error(source + ": nothing to queue; add a \"grid\" or a \"runs\" list");

    auto experimentPath = std::filesystem::path(queue["experiment"].get<std::string>());
    if (experimentPath.is_relative())
        experimentPath = file.parent_path() / experimentPath;
    json base = readJsonWithComments(experimentPath);
    if (queue.contains("set"))
        for (const auto& override : assignments(queue["set"], source + ": \"set\""))
            applyOverride(base, override);
    const std::string baseName =
        base.contains("name") && base["name"].is_string() ? base["name"].get<std::string>()
                                                          : experimentPath.stem().string();

    std::vector<QueuedRun> runs;
    if (queue.contains("grid"))
        for (auto& point : gridPoints(queue["grid"], source)) {
            std::string name = baseName;
            for (const auto& override : point)
                name += " " + override;
            runs.push_back(makeRun(base, std::move(name), std::move(point), source));
        }
    if (queue.contains("runs")) {
        const json& listed = queue["runs"];
        if (!listed.is_array())
            throw Error(source + ": \"runs\" must be an array of {\"name\", \"set\"}");
        if (static_cast<std::int64_t>(runs.size() + listed.size()) > kMaxQueueRuns)
            throw Error(source + ": " + std::to_string(runs.size() + listed.size()) +
                        " runs, more than the " + std::to_string(kMaxQueueRuns) +
                        " a queue may run; split it into several queue files");
        for (std::size_t i = 0; i < listed.size(); ++i) {
            const std::string where = source + ": runs[" + std::to_string(i) + "]";
            const json& entry = listed[i];
            if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string())
                throw Error(where + " needs a \"name\"");
            auto overrides = entry.contains("set") ? assignments(entry["set"], where + ".set")
                                                   : std::vector<std::string>{};
            runs.push_back(makeRun(base, entry["name"].get<std::string>(),
                                   std::move(overrides), source));
        }
    }
    if (runs.empty())
        throw Error(source + ": nothing to queue; the \"runs\" list is empty");

    return runs;
}

} // namespace cpo::engine
