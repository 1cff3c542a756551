#include "eval/oracle_judge.h"

namespace cpo::eval {

std::vector<double>
OracleJudge::logLikelihoods(std::span<const std::vector<std::int32_t>> prompts,
                            std::span<const std::vector<std::int32_t>> continuations)
{
    return m_oracle.logLikelihood(prompts, continuations);
}

} // namespace cpo::eval
