#pragma once

#include "engine/event_rows.h"
#include "engine/run_events.h"
#include "store/records.h"
#include "store/run_store.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <span>
#include <utility>
#include <vector>

// A run of another machine copied into the local store as its events arrive (from
// `cpo runs follow` on that machine), so the run browser, dashboard and inspector read it
// like a local run. Its row is marked remote (store::RunRecord::remote): read-only here, it
// can be deleted but not resumed. No LibTorch in this header.
namespace cpo::engine {

class RunMirror {
public:
    // Opens the mirror of `origin` in `store`: the row an earlier follow made (continuing
    // after its last event), else a new one made with the first event. Claims the row for
    // this process while it mirrors, so it cannot be deleted meanwhile. Throws cpo::Error
    // when another live process mirrors the same run already.
    RunMirror(store::RunStore& store, const store::RemoteOrigin& origin);
    // Releases the row. Never throws.
    ~RunMirror();
    RunMirror(const RunMirror&) = delete;
    RunMirror& operator=(const RunMirror&) = delete;

    std::int64_t runId() const { return m_runId; } // 0 until the row exists
    // The remote seq of the last event mirrored (0: none): where a follow picks up.
    std::int64_t lastSeq() const { return m_lastSeq; }
    // Stores remote events (seq, event) in one transaction: the event log under the remote
    // seq, metrics, sample sets, alerts, the status (paused, running, the outcome); a step
    // done again (the remote run was resumed from a checkpoint) replaces its earlier rows. Events at
    // or before lastSeq() are skipped (a reconnect's overlap), so nothing is mirrored twice.
    // Returns the events stored, in order. Throws cpo::Error, storing none of them, on a gap
    // in the seqs; after any throw the mirror must not be used again.
    std::vector<RunEvent> apply(std::span<const std::pair<std::int64_t, RunEvent>> events);
    // The remote run's outcome, once its RunFinished was mirrored.
    std::optional<store::RunStatus> ended() const { return m_ended; }

private:
    // A run resumed over there does the steps after its checkpoint again: their rows from
    // before are dropped first, as the local recorder's resume does.
    void dropRedoneSteps(std::int64_t step);
    void claim(std::int64_t runId);

    store::RunStore& m_store;
    store::RemoteOrigin m_origin;
    std::int64_t m_runId = 0;
    std::int64_t m_lastSeq = 0;
    std::optional<EventRows> m_rows;
    std::optional<store::RunStatus> m_ended;
    std::map<std::string, std::int64_t> m_lastStep; // per phase, as far as mirrored
};

} // namespace cpo::engine
