#include "eval/lm_judge.h"

#include "eval/sequence_scores.h"

namespace cpo::eval {

std::vector<double>
LmJudge::logLikelihoods(std::span<const std::vector<std::int32_t>> prompts,
                        std::span<const std::vector<std::int32_t>> continuations)
{
    return continuationLogLikelihoods(*m_scorer, prompts, continuations, m_batchSize);
}

} // namespace cpo::eval
