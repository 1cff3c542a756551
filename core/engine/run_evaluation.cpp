#include "engine/run_evaluation.h"

#include "engine/judge_config.h"
#include "model/causal_lm.h"
#include "model/interpolate.h"
#include "store/run_store.h"
#include "util/error.h"

#include <nlohmann/json.hpp>
#include <spdlog/fmt/fmt.h>

#include <algorithm>

namespace cpo::engine {
namespace {

constexpr const char* kEvalSet = "test";

JudgeConfig judgeFor(const EvalSpec& spec)
{
    if (spec.judge.empty())
        return parseJudgeConfig({{"kind", "oracle"}}, "the default judge", {});
    return loadJudgeConfig(spec.judge);
}

eval::Decoding decodingFor(const EvalSpec& spec, std::uint64_t experimentSeed)
{
    const auto& d = spec.decoding;
    eval::Decoding decoding;
    decoding.sampling = {d.temperature, d.topK, d.topP};
    decoding.maxNewTokens = d.maxNewTokens;
    decoding.seed = d.seed != 0 ? d.seed : experimentSeed;
    return decoding;
}

std::span<const data::TokenizedExample> promptsOf(const EvalSpec& spec,
                                                  const PreparedData& data)
{
    if (data.test.empty())
        throw Error("eval: the test split is empty, so there are no held-out prompts to judge "
                    "(raise dataset.splits.test, or the oracle task's test_examples)");
    const auto count = spec.examples > 0
                           ? std::min(data.test.size(), static_cast<std::size_t>(spec.examples))
                           : data.test.size();
    return {data.test.data(), count};
}

} // namespace

RunEvaluation::RunEvaluation(const ExperimentConfig& config, const PreparedData& data,
                             store::RunStore* store, std::int64_t runId, RunEventCallback emit)
    : m_spec(config.eval.value()), m_judgeConfig(judgeFor(m_spec)), m_store(store),
      m_runId(runId), m_emit(std::move(emit))
{
    m_judge = makeJudge(m_judgeConfig, data.oracle.get(), store, config.device);
    m_oracle = data.oracle.get();
    m_evaluator = std::make_unique<Evaluator>(promptsOf(m_spec, data), *data.tokenizer,
                                              m_judge.get(), m_judgeConfig.name,
                                              decodingFor(m_spec, config.seed));
}

RunEvaluation::~RunEvaluation() = default;

ModelEvaluation RunEvaluation::evaluate(model::CausalLMImpl& model, const EvaluatedModel& which,
                                        std::int64_t step)
{
    return m_evaluator->evaluate(model, which, step, m_store, m_runId, kEvalSet);
}

std::vector<ModelWinRate> RunEvaluation::announce(const std::string& phase, std::int64_t step,
                                                  const std::vector<ModelEvaluation>& evaluations)
{
    EvaluationFinished finished{phase, step, 0, {}};
    for (const auto& e : evaluations) {
        finished.results.push_back(
            {e.label, e.winRate.rate, e.winRate.ciLow, e.winRate.ciHigh, e.winRate.n, e.judge});
    }
    if (!evaluations.empty())
        finished.evaluationId = evaluations.front().evaluationId;
    if (m_emit)
        m_emit(finished);
    return finished.results;
}

void RunEvaluation::afterStep(const std::string& phase, std::int64_t step,
                              std::int64_t phaseSteps, model::CausalLMImpl& model)
{
    if (m_spec.every <= 0)
        return;
    if (phase != m_phase) { // a new phase, or a resumed one past its start
        m_phase = phase;
        m_nextDue = ((step - 1) / m_spec.every + 1) * m_spec.every;
    }
    if (step < m_nextDue || step >= phaseSteps)
        return;
    m_nextDue = (step / m_spec.every + 1) * m_spec.every;
    try {
        announce(phase, step, {evaluate(model, {phase, std::nullopt}, step)});
    } catch (const Error& e) {
        alert(step, e.what());
    }
}

void RunEvaluation::alert(std::int64_t step, const std::string& message) const
{
    // A judge that stops working (an endpoint down) costs the evaluation, not the training.
    if (m_emit)
        m_emit(Alert{"evaluation_failed", "evaluation: " + message, step});
}

std::vector<ModelWinRate> RunEvaluation::finish(model::CausalLMImpl* mle, std::int64_t mleStep,
                                                model::CausalLMImpl* cpo, std::int64_t cpoStep)
{
    try {
        return finalEvaluation(mle, mleStep, cpo, cpoStep);
    } catch (const Error& e) {
        alert(cpo ? cpoStep : mleStep, e.what());
        return {};
    }
}

std::vector<ModelWinRate> RunEvaluation::finalEvaluation(model::CausalLMImpl* mle,
                                                         std::int64_t mleStep,
                                                         model::CausalLMImpl* cpo,
                                                         std::int64_t cpoStep)
{
    // Quality and coverage of the final models, where the oracle's teacher can tell them.
    m_evaluator->setOracle(m_oracle);
    std::vector<ModelEvaluation> finals;
    if (mle)
        finals.push_back(evaluate(*mle, {"mle", std::nullopt}, mleStep));
    if (cpo) {
        // The CPO model's KL to π_ref from its own samples, as `cpo eval` reports it.
        m_evaluator->setReference(mle);
        finals.push_back(evaluate(*cpo, {"cpo", std::nullopt}, cpoStep));
        m_evaluator->setReference(nullptr);
    }
    const auto step = cpo ? cpoStep : mleStep;
    if (mle && cpo && !m_spec.alphas.empty()) {
        std::vector<ModelEvaluation> sweep;
        const auto buffer = model::cloneModel(*mle);
        for (const double alpha : m_spec.alphas) {
            model::interpolateInto(*buffer, *mle, *cpo, alpha);
            sweep.push_back(
                evaluate(*buffer, {fmt::format("alpha={}", alpha), alpha}, cpoStep));
        }
        if (m_store)
            storeAlphaSweep(*m_store, m_runId, kEvalSet, m_judgeConfig.name, sweep);
        finals.insert(finals.end(), sweep.begin(), sweep.end());
    }
    m_evaluator->setOracle(nullptr);
    return announce("final", step, finals);
}

} // namespace cpo::engine
