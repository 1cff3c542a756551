#pragma once

#include "engine/judge_config.h"
#include "eval/judge.h"

#include <cstdint>
#include <span>
#include <vector>

namespace cpo::eval {

// A judge that prefers the continuation its model finds more likely: the oracle teacher or
// any checkpoint. Compares log p per token or in total (engine::LikelihoodScore); a
// continuation the model gives probability 0 (−∞) loses to any other, two of them tie.
// P(A better) is the Bradley–Terry reading σ(score_A − score_B).
class LikelihoodJudge : public Judge {
public:
    explicit LikelihoodJudge(engine::LikelihoodScore score) : m_score(score) {}

    std::vector<JudgeVerdict> judge(std::span<const JudgePair> pairs) override;

protected:
    // log p(continuation | prompt) summed over the continuation's tokens, for each pair.
    virtual std::vector<double>
    logLikelihoods(std::span<const std::vector<std::int32_t>> prompts,
                   std::span<const std::vector<std::int32_t>> continuations) = 0;

private:
    engine::LikelihoodScore m_score;
};

} // namespace cpo::eval
