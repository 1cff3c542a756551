#pragma once

#include "oracle/oracle_task.h"
#include "eval/likelihood_judge.h"

namespace cpo::eval {

// The synthetic task's exact judge: the teacher's log p*(continuation | prefix). A
// continuation the teacher cannot produce (an EOS before the continuation's full length)
// has p* = 0 and loses.
class OracleJudge : public LikelihoodJudge {
public:
    // The task is viewed, not copied: it must outlive the judge.
    OracleJudge(const data::OracleTask& oracle, engine::LikelihoodScore score)
        : LikelihoodJudge(score), m_oracle(oracle)
    {
    }

protected:
    std::vector<double>
    logLikelihoods(std::span<const std::vector<std::int32_t>> prompts,
                   std::span<const std::vector<std::int32_t>> continuations) override;

private:
    const data::OracleTask& m_oracle;
};

} // namespace cpo::eval
