#include "eval/openai_judge.h"

#include "eval/chat_client.h"
#include "store/run_store.h"
#include "util/error.h"
#include "util/json_parse.h"

#include <nlohmann/json.hpp>
#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <vector>

namespace cpo::eval {
namespace {

constexpr std::string_view kUnparseable = "unparseable";

// The answer to one ordered question: shown A is `first` when orderAb.
struct Answer {
    bool known = false;                // answered (cached, or a reply came)
    std::optional<Preference> shown;   // the verdict as shown; none when unreadable
    std::string detail;                // why no verdict
};

// The verdict as cached: "a", "b", "tie" (which parseAnswer reads back) or "unparseable".
std::string verdictName(std::optional<Preference> shown)
{
    if (!shown)
        return std::string(kUnparseable);
    return *shown == Preference::A ? "a" : *shown == Preference::B ? "b" : "tie";
}

// The preference for the pair's own A, from an answer given with the pair shown reversed.
Preference unswapped(Preference shown, bool orderAb)
{
    if (orderAb || shown == Preference::Tie)
        return shown;
    return shown == Preference::A ? Preference::B : Preference::A;
}

std::string lowered(std::string_view text)
{
    std::string out(text);
    std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

} // namespace

std::string fillTemplate(std::string_view text, std::string_view prompt, std::string_view a,
                         std::string_view b)
{
    const std::array<std::pair<std::string_view, std::string_view>, 3> fields{
        {{"{{prompt}}", prompt}, {"{{a}}", a}, {"{{b}}", b}}};
    std::string out;
    std::size_t position = 0;
    while (position < text.size()) {
        bool replaced = false;
        for (const auto& [field, value] : fields) {
            if (text.substr(position).starts_with(field)) {
                out.append(value);
                position += field.size();
                replaced = true;
                break;
            }
        }
        if (!replaced)
            out.push_back(text[position++]);
    }
    return out;
}

std::optional<Preference> parseAnswer(std::string_view content)
{
    const auto strip = [](std::string_view s) {
        constexpr std::string_view kNoise = " \t\r\n\"'*`()[]<>.:";
        const auto first = s.find_first_not_of(kNoise);
        if (first == std::string_view::npos)
            return std::string_view{};
        return s.substr(first, s.find_last_not_of(kNoise) - first + 1);
    };
    const std::string word = lowered(strip(content));
    if (word == "a")
        return Preference::A;
    if (word == "b")
        return Preference::B;
    if (word == "tie")
        return Preference::Tie;
    return std::nullopt;
}

std::optional<std::string> chatCompletionContent(std::string_view body)
{
    const auto json = parseJsonBounded(body, "the judge's answer", {.allowExceptions = false});
    if (!json.is_object())
        return std::nullopt;
    const auto choices = json.find("choices");
    if (choices == json.end() || !choices->is_array() || choices->empty() ||
        !choices->front().is_object())
        return std::nullopt;
    const auto message = choices->front().find("message");
    if (message == choices->front().end() || !message->is_object())
        return std::nullopt;
    const auto content = message->find("content");
    if (content == message->end() || !content->is_string())
        return std::nullopt;
    return content->get<std::string>();
}

OpenAiJudge::OpenAiJudge(engine::JudgeConfig config, store::RunStore* cache)
    : m_config(std::move(config)), m_configHash(engine::judgeConfigHash(m_config)),
      m_cache(cache)
{
    const auto& variable = m_config.chat.apiKeyEnv;
    if (!variable.empty()) {
        const char* key = std::getenv(variable.c_str());
        if (key == nullptr || *key == '\0')
            throw Error(fmt::format("judge {}: the environment variable {} (api_key_env) is "
                                    "not set; export it with the endpoint's API key",
                                    m_config.name, variable));
        m_apiKey = key;
    }
}

std::vector<JudgeVerdict> OpenAiJudge::judge(std::span<const JudgePair> pairs)
{
    const auto& chat = m_config.chat;
    // Question 2i asks pair i with its A shown first, 2i + 1 with its B shown first.
    std::vector<Answer> answers(2 * pairs.size());
    std::vector<std::string> promptHashes, pairHashes;
    std::vector<std::size_t> toAsk;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        promptHashes.push_back(engine::textHash(pairs[i].prompt));
        pairHashes.push_back(engine::textHash(fmt::format("{}:{}{}", pairs[i].a.size(),
                                                          pairs[i].a, pairs[i].b)));
        for (const bool orderAb : {true, false}) {
            const std::size_t question = 2 * i + (orderAb ? 0 : 1);
            if (m_cache != nullptr) {
                if (const auto cached = m_cache->findJudgment(m_configHash, promptHashes[i],
                                                              pairHashes[i], orderAb)) {
                    answers[question] = {true, parseAnswer(cached->verdict),
                                         cached->rawAnswer};
                    ++m_stats.cached;
                    continue;
                }
            }
            toAsk.push_back(question);
        }
    }

    std::vector<std::string> bodies;
    for (const std::size_t question : toAsk) {
        const auto& pair = pairs[question / 2];
        const bool orderAb = question % 2 == 0;
        const nlohmann::json body{
            {"model", chat.model},
            {"messages",
             {{{"role", "user"},
               {"content", fillTemplate(chat.templateText, pair.prompt,
                                        orderAb ? pair.a : pair.b, orderAb ? pair.b : pair.a)}}}},
            {"temperature", chat.temperature},
            {"max_tokens", chat.maxTokens}};
        bodies.push_back(body.dump());
    }
    ChatClientOptions options;
    options.url = chat.baseUrl + "/v1/chat/completions";
    options.apiKey = m_apiKey;
    options.concurrency = chat.concurrency;
    options.maxRequests = chat.maxRequests;
    options.timeoutSeconds = chat.timeoutSeconds;
    options.maxRetries = chat.maxRetries;
    options.backoffSeconds = chat.backoffSeconds;
    ChatClient client(options);
    const auto onReply = [&](std::size_t index, const HttpReply& reply) {
        const std::size_t question = toAsk[index];
        Answer& answer = answers[question];
        if (!reply.error.empty()) {
            // Not an answer (a timeout, a server error): asked again next time.
            answer.detail = fmt::format("{} after {} attempts{}{}", reply.error, reply.attempts,
                                        reply.body.empty() ? "" : ": ", reply.body);
            return;
        }
        answer.known = true;
        if (auto content = chatCompletionContent(reply.body)) {
            answer.shown = parseAnswer(*content);
            answer.detail = std::move(*content);
        } else {
            answer.detail = "not a chat completion: " + reply.body;
        }
        if (m_cache != nullptr) {
            store::JudgmentRecord record;
            record.judgeConfigHash = m_configHash;
            record.promptHash = promptHashes[question / 2];
            record.pairHash = pairHashes[question / 2];
            record.orderAb = question % 2 == 0;
            record.verdict = verdictName(answer.shown);
            record.rawAnswer = answer.detail;
            record.latencyMs = reply.latencyMs;
            (void)m_cache->insertJudgment(record);
        }
    };
    try {
        client.postAll(bodies, onReply);
    } catch (...) {
        m_stats.requests += client.requestsSent();
        throw;
    }
    m_stats.requests += client.requestsSent();

    std::vector<JudgeVerdict> verdicts(pairs.size());
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        ++m_stats.pairs;
        JudgeVerdict& verdict = verdicts[i];
        const Answer& first = answers[2 * i];
        const Answer& second = answers[2 * i + 1];
        if (!first.shown || !second.shown) {
            verdict.failed = true;
            const Answer& bad = !first.shown ? first : second;
            verdict.detail = bad.known ? "unreadable answer: " + bad.detail : bad.detail;
            ++m_stats.failures;
            continue;
        }
        const Preference a = unswapped(*first.shown, true);
        const Preference b = unswapped(*second.shown, false);
        verdict.preference = a == b ? a : Preference::Tie;
        verdict.flipped = a != b;
        if (verdict.flipped)
            ++m_stats.flips;
    }
    return verdicts;
}

} // namespace cpo::eval
