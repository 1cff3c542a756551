#pragma once

#include "eval/likelihood_judge.h"
#include "model/causal_lm.h"

#include <cstddef>

namespace cpo::eval {

// Any checkpoint as the judge: its log-likelihood of each continuation given the prompt
// (token ids in the checkpoint's vocabulary), batched, without gradients.
class LmJudge : public LikelihoodJudge {
public:
    LmJudge(model::CausalLM scorer, engine::LikelihoodScore score, std::size_t batchSize = 32)
        : LikelihoodJudge(score), m_scorer(std::move(scorer)), m_batchSize(batchSize)
    {
    }

protected:
    std::vector<double>
    logLikelihoods(std::span<const std::vector<std::int32_t>> prompts,
                   std::span<const std::vector<std::int32_t>> continuations) override;

private:
    model::CausalLM m_scorer;
    std::size_t m_batchSize;
};

} // namespace cpo::eval
