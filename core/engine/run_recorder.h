#pragma once

#include "engine/experiment.h"
#include "engine/run_session.h"
#include "store/metric_writer.h"
#include "store/run_store.h"

#include <cstdint>
#include <string>

namespace cpo::engine {

// Writes a run into the store as it happens: the run row (canonical experiment, config hash,
// version, machine), every step's metrics as `PHASE/KEY` series, validations, checkpoints,
// alerts, and the final status. It lives on the engine's thread, which owns the process's one
// writer connection; metrics are batched (MetricWriter), so a crash loses at most the last
// unflushed quarter second.
class RunRecorder {
public:
    RunRecorder(store::RunStore& store, const ExperimentConfig& config);

    std::int64_t runId() const { return m_runId; }
    void record(const RunEvent& event);
    // Flushes the metrics and stamps the outcome (and its message, for failures).
    void finish(const RunSummary& summary);

private:
    void metric(const std::string& key, std::int64_t step, double value);
    void recordCpoStep(const train::CpoStepMetrics& metrics);
    void recordSampleSet(const DecodedSampleSet& decoded);

    store::RunStore& m_store;
    std::int64_t m_runId;
    store::MetricWriter m_metrics;
    std::string m_phase;
};

} // namespace cpo::engine
