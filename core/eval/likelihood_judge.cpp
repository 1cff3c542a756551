#include "eval/likelihood_judge.h"

#include <cmath>

namespace cpo::eval {

std::vector<JudgeVerdict> LikelihoodJudge::judge(std::span<const JudgePair> pairs)
{
    // A and B of every pair in one call, so a model judge fills its batches.
    std::vector<std::vector<std::int32_t>> prompts, continuations;
    for (const auto& pair : pairs) {
        prompts.push_back(pair.promptTokens);
        continuations.push_back(pair.aTokens);
    }
    for (const auto& pair : pairs) {
        prompts.push_back(pair.promptTokens);
        continuations.push_back(pair.bTokens);
    }
    const auto scores = logLikelihoods(prompts, continuations);
    const auto normalised = [&](std::size_t i) {
        const double total = scores[i];
        if (m_score == engine::LikelihoodScore::Total || !std::isfinite(total))
            return total;
        const auto tokens = std::max<std::size_t>(continuations[i].size(), 1);
        return total / static_cast<double>(tokens);
    };
    std::vector<JudgeVerdict> verdicts(pairs.size());
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const double a = normalised(i);
        const double b = normalised(pairs.size() + i);
        JudgeVerdict& verdict = verdicts[i];
        verdict.aImpossible = !std::isfinite(a);
        verdict.bImpossible = !std::isfinite(b);
        if (verdict.aImpossible || verdict.bImpossible) {
            verdict.preference = verdict.aImpossible == verdict.bImpossible ? Preference::Tie
                                 : verdict.aImpossible                     ? Preference::B
                                                                           : Preference::A;
            verdict.probabilityA = verdict.aImpossible == verdict.bImpossible ? 0.5
                                   : verdict.aImpossible                     ? 0.0
                                                                             : 1.0;
            continue;
        }
        verdict.preference = a > b ? Preference::A : a < b ? Preference::B : Preference::Tie;
        verdict.probabilityA = 1.0 / (1.0 + std::exp(b - a));
    }
    return verdicts;
}

} // namespace cpo::eval
