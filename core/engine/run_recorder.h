#pragma once

#include "engine/event_rows.h"
#include "engine/experiment.h"
#include "engine/run_session.h"
#include "store/run_store.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cpo::engine {

// Adds a run's row to the store, `queued`, with its canonical experiment, config hash,
// version, machine and folder; returns its id. RunRecorder then records the run into it.
std::int64_t createRunRow(store::RunStore& store, const ExperimentConfig& config,
                          const std::filesystem::path& runDir);

// Writes a run into its row as it happens: every step's metrics as `PHASE/KEY` series,
// validations, sample sets, checkpoints, alerts, pauses and the final status, and every
// event (the final RunFinished included) into the run's event log as the event codec's JSON,
// numbered on from what the run logged before (a resumed run), for `cpo runs follow`. It lives on the
// engine's thread, which owns the process's one writer connection; metrics are batched
// (MetricWriter), so a crash loses at most the last unflushed quarter second, and never a
// step a recorded checkpoint covers.
class RunRecorder {
public:
    // Claims the row for this process (owner pid and host, heartbeat) and marks it running:
    // a new run, a queued one starting or an interrupted one resuming.
    RunRecorder(store::RunStore& store, std::int64_t runId);

    std::int64_t runId() const { return m_runId; }
    void record(const RunEvent& event);
    // Flushes the metrics, stamps the outcome (and its message, unless it finished) and
    // releases the row. Never throws: a store that is full or gone is logged, the metrics
    // that could not be stored are named in the message, and the caller still reports.
    void finish(const RunSummary& summary);

private:
    // Queues the event for the log; steps are batched like metrics (at most 256 or a quarter
    // second), anything else is written at once so a follower sees it without delay.
    void logEvent(const RunEvent& event);
    void flushEvents();
    void heartbeatIfDue();

    store::RunStore& m_store;
    std::int64_t m_runId;
    EventRows m_rows; // metrics, sample sets, alerts
    std::vector<store::EventRecord> m_events; // not yet written
    std::int64_t m_nextSeq = 1;
    std::chrono::steady_clock::time_point m_oldestEvent;
    std::chrono::steady_clock::time_point m_lastHeartbeat;
};

} // namespace cpo::engine
