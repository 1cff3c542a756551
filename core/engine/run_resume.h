#pragma once

#include "engine/experiment.h"
#include "engine/run_session.h"
#include "store/run_store.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace cpo::engine {

// How a stored run continues: its experiment and folder as recorded, and where to pick up.
struct ResumePlan {
    std::int64_t runId = 0;
    ExperimentConfig config;
    std::filesystem::path runDir;
    std::optional<ResumePoint> point; // none: from the beginning (no checkpoint was recorded)
    std::optional<std::int64_t> checkpointStep; // the step of point->checkpoint, when it has one
    bool complete = false;            // its last phase had checkpointed its last step
    std::string description;          // one line for the user: where the run picks up
};

// Works out where run `runId` picks up: the last checkpoint its store recorded (a phase that
// checkpointed its last step hands over to the next phase). Queued, stopped, failed and
// abandoned runs can be resumed; throws cpo::Error naming the run and the reason otherwise
// (finished, cancelled, still running in a live process, no run folder recorded).
ResumePlan planResume(store::RunStore& store, std::int64_t runId);

// Drops what the run logged after its resume point, so the resumed run logs those steps once
// more without duplicates: the resumed phase's rows after its checkpoint and every later
// phase's rows. Call it with the run claimed (inside the caller's write transaction).
store::DiscardedRows discardReplayedRows(store::RunStore& store, const ResumePlan& plan);

} // namespace cpo::engine
