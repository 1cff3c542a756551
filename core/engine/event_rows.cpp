#include "engine/event_rows.h"

#include <chrono>

namespace cpo::engine {
namespace {

double unixSeconds()
{
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

store::RunStatus storedStatus(RunOutcome outcome)
{
    switch (outcome) {
    case RunOutcome::Finished:
        return store::RunStatus::Finished;
    case RunOutcome::Stopped:
        return store::RunStatus::Stopped;
    case RunOutcome::Cancelled:
        return store::RunStatus::Cancelled;
    case RunOutcome::Failed:
        break;
    }
    return store::RunStatus::Failed;
}

EventRows::EventRows(store::RunStore& store, std::int64_t runId)
    : m_store(store), m_runId(runId), m_metrics(store, runId)
{
}

void EventRows::metric(const std::string& key, std::int64_t step, double value)
{
    m_metrics.append({m_phase, step, m_phase + "/" + key, value, unixSeconds()});
}

void EventRows::cudaPeak(std::int64_t step, const std::optional<double>& gigabytes)
{
    if (gigabytes) // CUDA runs only: a CPU run's store has no such series
        metric("cuda_peak_mem_gb", step, *gigabytes);
}

void EventRows::write(const RunEvent& event)
{
    std::visit(
        [this](const auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, PhaseStarted>) {
                m_phase = e.phase;
            } else if constexpr (std::is_same_v<T, train::StepMetrics>) {
                metric("loss", e.step, e.loss);
                metric("lr", e.step, e.lr);
                metric("grad_norm", e.step, e.gradNorm);
                metric("tokens_per_s", e.step, e.tokensPerSecond);
                cudaPeak(e.step, e.cudaPeakMemGb);
            } else if constexpr (std::is_same_v<T, train::CpoStepMetrics>) {
                cpoStep(e);
            } else if constexpr (std::is_same_v<T, DecodedSampleSet>) {
                sampleSet(e);
            } else if constexpr (std::is_same_v<T, train::ValidationMetrics>) {
                metric("val_loss", e.step, e.loss);
                metric("val_perplexity", e.step, e.perplexity);
            } else if constexpr (std::is_same_v<T, Alert>) {
                m_store.recordAlert({0, m_runId, m_phase, e.step, e.kind, e.message, 0});
            }
        },
        event);
}

void EventRows::cpoStep(const train::CpoStepMetrics& e)
{
    for (const auto& [key, value] : train::namedValues(e))
        metric(std::string(key), e.step, value);
    cudaPeak(e.step, e.cudaPeakMemGb);
    for (std::size_t i = 0; i < e.strategies.size(); ++i) {
        const auto& strategy = e.strategies[i];
        if (strategy.negatives == 0)
            continue;
        const std::string name(
            train::negatives::toString(static_cast<train::negatives::Strategy>(i)));
        metric(name + "/reward", e.step, strategy.reward);
        metric(name + "/negatives", e.step, static_cast<double>(strategy.negatives));
        metric(name + "/redraws", e.step, static_cast<double>(strategy.redraws));
    }
}

void EventRows::sampleSet(const DecodedSampleSet& decoded)
{
    store::SampleSetRecord record;
    record.runId = m_runId;
    record.phase = m_phase;
    record.step = decoded.set.step;
    record.prompt = decoded.prompt;
    for (std::size_t i = 0; i < decoded.set.candidates.size(); ++i) {
        const auto& candidate = decoded.set.candidates[i];
        store::CandidateRecord out;
        out.idx = static_cast<int>(i);
        out.role = candidate.strategy ? store::CandidateRole::Negative
                                      : store::CandidateRole::GroundTruth;
        if (candidate.strategy)
            out.strategy = train::negatives::toString(*candidate.strategy);
        out.text = decoded.candidates[i];
        out.tokenIds.assign(candidate.tokens.begin(), candidate.tokens.end());
        out.logpTheta = candidate.policyLogProbs;
        out.logpRef = candidate.referenceLogProbs;
        out.reward = candidate.reward;
        out.similarity = candidate.similarity;
        out.rank = static_cast<int>(candidate.rank);
        record.candidates.push_back(std::move(out));
    }
    m_store.insertSampleSet(record);
}

} // namespace cpo::engine
