#pragma once

#include "engine/judge_config.h"
#include "eval/judge.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cpo::store {
class RunStore;
}

namespace cpo::eval {

// What a chat judge did in one evaluation.
struct ChatJudgeStats {
    std::int64_t pairs = 0;
    std::int64_t requests = 0; // HTTP requests sent, retries included
    std::int64_t cached = 0;   // answers found in the store's judgments instead
    std::int64_t failures = 0; // pairs without a verdict
    std::int64_t flips = 0;    // pairs whose two orders disagreed (counted as ties)
    double flipRate() const
    {
        const auto judged = pairs - failures;
        return judged > 0 ? static_cast<double>(flips) / static_cast<double>(judged) : 0.0;
    }
};

// A judge over an OpenAI-compatible /v1/chat/completions endpoint. Each pair is asked in
// both orders (A/B and B/A, so position bias shows as a disagreement, which counts as a tie);
// every answer (unreadable ones included, with their raw text) is cached in the store's
// judgments table under (judge config hash, prompt hash, pair hash, order), so the same
// question is never paid twice. Timeouts and server errors that outlast the retries are
// failures, not cached. The API key is read from the environment variable the config names
// and kept only in memory.
class OpenAiJudge : public Judge {
public:
    // `cache` may be null (nothing cached). Throws cpo::Error when the config names a key
    // variable that is not set.
    OpenAiJudge(engine::JudgeConfig config, store::RunStore* cache);

    std::vector<JudgeVerdict> judge(std::span<const JudgePair> pairs) override;
    const ChatJudgeStats& stats() const { return m_stats; }

private:
    engine::JudgeConfig m_config;
    std::string m_configHash;
    std::string m_apiKey;
    store::RunStore* m_cache;
    ChatJudgeStats m_stats;
};

// The template with {{prompt}}, {{a}} and {{b}} replaced (once each, in one pass: a text
// that itself contains "{{b}}" is not expanded again).
std::string fillTemplate(std::string_view text, std::string_view prompt, std::string_view a,
                         std::string_view b);

// The assistant's text of a chat completion (choices[0].message.content), or std::nullopt
// when the body is not JSON (bounded in depth) or not a chat completion.
std::optional<std::string> chatCompletionContent(std::string_view body);

// Reads a judge's answer: "A", "B" or "tie" (any case), optionally quoted, bold, bracketed,
// or followed by a full stop. Anything else is not guessed at: std::nullopt.
std::optional<Preference> parseAnswer(std::string_view content);

} // namespace cpo::eval
