#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace cpo::eval {

// Which of two continuations of a prompt a judge prefers.
enum class Preference { A, B, Tie };

// One question for a judge: which continuation of `prompt` is better, A or B? Likelihood
// judges read the token ids, chat judges the text; the caller fills both.
struct JudgePair {
    std::string prompt;
    std::string a;
    std::string b;
    std::vector<std::int32_t> promptTokens;
    std::vector<std::int32_t> aTokens;
    std::vector<std::int32_t> bTokens;
};

struct JudgeVerdict {
    Preference preference = Preference::Tie;
    std::optional<double> probabilityA; // P(A better), where the judge has one
    // No verdict: an answer that could not be read, a request that timed out. `detail` then
    // holds why, with the raw answer; a failed verdict is never counted as a tie.
    bool failed = false;
    std::string detail;
    // The judge's model cannot produce this continuation at all (the oracle teacher and an
    // early EOS): it loses, and the evaluation reports how often that happened.
    bool aImpossible = false;
    bool bImpossible = false;
    bool flipped = false; // asked in both orders, the judge disagreed with itself (a tie)
};

// One judge: oracle, LM, chat endpoint (one file each). Judges a batch at once so that a
// model-based judge batches its forward passes and a remote one keeps requests in flight.
class Judge {
public:
    virtual ~Judge() = default;
    // One verdict per pair, in order. Throws cpo::Error when the judge cannot work at all
    // (an endpoint that is down); what was judged before that is kept where the judge
    // caches.
    virtual std::vector<JudgeVerdict> judge(std::span<const JudgePair> pairs) = 0;
};

} // namespace cpo::eval
