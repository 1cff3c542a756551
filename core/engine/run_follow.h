#pragma once

#include "engine/run_events.h"
#include "store/records.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>

// Following a run from its store, e.g. on a GPU server through `ssh HOST cpo runs follow ID`:
// the run's event log (store::RunStore::readEvents) read back through the event codec. No
// LibTorch in this header.
namespace cpo::engine {

struct FollowOptions {
    std::int64_t fromSeq = 0;             // deliver the events after this one (0: all)
    std::chrono::milliseconds poll{200};  // how often a live run's log is read again
};

// Delivers run `runId`'s events from the store `db` to `onEvent` in order, each once, with
// its seq, as they land (a read-only connection: it never blocks the writer), and returns
// the run's status once it has ended (finished, failed, stopped or cancelled) and every event
// it logged was delivered; a queued run is waited for. Throws cpo::Error naming the run and
// the store when there is no store or no such run, when the run is deleted meanwhile, when it
// was abandoned (its process died: resume it), or naming the seq of an event this build
// cannot read.
store::RunStatus followRun(const std::filesystem::path& db, std::int64_t runId,
                           const FollowOptions& options,
                           const std::function<void(std::int64_t seq, const RunEvent& event)>&
                               onEvent);

} // namespace cpo::engine
