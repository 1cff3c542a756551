#pragma once

#include "engine/evaluation_session.h"
#include "engine/experiment.h"
#include "engine/prepared_data.h"
#include "engine/run_events.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace cpo::store {
class RunStore;
}

// The experiment's `eval` block at work inside a run (RunSession): the first N test prompts,
// one judge and one decoding for every evaluation of the run, so that its win rates compare.
namespace cpo::engine {

class RunEvaluation {
public:
    // Loads the judge now, so that a bad judge file fails the run before training. `store`
    // may be null (nothing stored); the data must outlive this object. Throws cpo::Error
    // naming the judge file, or when the test split is empty.
    RunEvaluation(const ExperimentConfig& config, const PreparedData& data,
                  store::RunStore* store, std::int64_t runId, RunEventCallback emit);
    ~RunEvaluation();

    // A judge that fails (an endpoint down) costs the evaluation, not the run: an Alert
    // ("evaluation_failed") says why, and training goes on.
    //
    // After step `step` of `phase` ("mle" | "cpo", of `phaseSteps`): judges the phase's model
    // when `every` steps have passed since the last time (or the phase's start), except at
    // its last step, which the final evaluation covers.
    void afterStep(const std::string& phase, std::int64_t step, std::int64_t phaseSteps,
                   model::CausalLMImpl& model);

    // After training: π_ref ("mle": the model MLE ended with, or CPO started from) and the
    // CPO model (null: no CPO phase) at their last steps, on the same prompts with the same
    // seed, then the α sweep's ensembles of the two.
    std::vector<ModelWinRate> finish(model::CausalLMImpl* mle, std::int64_t mleStep,
                                     model::CausalLMImpl* cpo, std::int64_t cpoStep);

private:
    std::vector<ModelWinRate> finalEvaluation(model::CausalLMImpl* mle, std::int64_t mleStep,
                                              model::CausalLMImpl* cpo, std::int64_t cpoStep);
    void alert(std::int64_t step, const std::string& message) const;
    ModelEvaluation evaluate(model::CausalLMImpl& model, const EvaluatedModel& which,
                             std::int64_t step);
    // Emits EvaluationFinished for them; returns their win rates.
    std::vector<ModelWinRate> announce(const std::string& phase, std::int64_t step,
                                       const std::vector<ModelEvaluation>& evaluations);

    EvalSpec m_spec;
    JudgeConfig m_judgeConfig;
    std::unique_ptr<eval::Judge> m_judge;
    std::unique_ptr<Evaluator> m_evaluator;
    const data::OracleTask* m_oracle = nullptr; // the oracle task's, else null
    store::RunStore* m_store;
    std::int64_t m_runId;
    RunEventCallback m_emit;
    std::string m_phase;      // the phase afterStep last saw
    std::int64_t m_nextDue = 0; // its next step due for evaluation
};

} // namespace cpo::engine
