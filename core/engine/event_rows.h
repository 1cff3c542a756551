#pragma once

#include "engine/run_events.h"
#include "store/metric_writer.h"
#include "store/run_store.h"

#include <cstdint>
#include <optional>
#include <string>

// The rows a run's event adds to its store besides the event log: the metrics of steps and
// validations as `PHASE/KEY` series, sample sets and alerts. What a local run's recorder and
// the mirror of a remote run (engine/run_mirror.h) both write, so their runs read the same.
// No LibTorch in this header.
namespace cpo::engine {

// The status a run's row takes when it ended with `outcome`.
store::RunStatus storedStatus(RunOutcome outcome);

class EventRows {
public:
    EventRows(store::RunStore& store, std::int64_t runId);

    // PhaseStarted sets the phase the next rows belong to; events without rows are ignored.
    void write(const RunEvent& event);
    // The phase of the rows written now ("" before the first PhaseStarted). A mirror that
    // picks up where an earlier one left sets it from the events it already holds.
    const std::string& phase() const { return m_phase; }
    void setPhase(std::string phase) { m_phase = std::move(phase); }
    // Metrics are batched (store::MetricWriter): flush before a row that must follow them.
    store::MetricWriter& metrics() { return m_metrics; }

private:
    void metric(const std::string& key, std::int64_t step, double value);
    void cpoStep(const train::CpoStepMetrics& metrics);
    void cudaPeak(std::int64_t step, const std::optional<double>& gigabytes);
    void sampleSet(const DecodedSampleSet& decoded);

    store::RunStore& m_store;
    std::int64_t m_runId;
    store::MetricWriter m_metrics;
    std::string m_phase;
};

} // namespace cpo::engine
