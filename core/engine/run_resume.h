#pragma once

#include "engine/experiment.h"
#include "engine/run_session.h"
#include "store/run_store.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

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

// Why a recorded checkpoint cannot be resumed from, or nullopt when it is intact.
using CheckpointCheck =
    std::function<std::optional<std::string>(const store::CheckpointRecord& checkpoint)>;

// The real check: the folder is there, its files match checksums.sha256, its weights match
// the sha256 the store recorded, and its training state reads back as that phase and step.
std::optional<std::string> checkpointDamage(const store::CheckpointRecord& checkpoint);

// Which checkpoint a resume starts from: the newest intact one, or the one of `step`
// (`cpo runs resume ID --from-step [PHASE:]N`; of the later phase when both have that step).
struct ResumeChoice {
    std::optional<std::int64_t> step;
    std::string phase; // "" | "mle" | "cpo"
    CheckpointCheck check = checkpointDamage;
};

// "N" or "PHASE:N" as --from-step takes it; throws cpo::Error for anything else.
ResumeChoice parseResumeStep(std::string_view text);

// Works out where run `runId` picks up: the newest checkpoint its store recorded that is
// intact (a damaged or missing one is passed over, and the description says so), or the one
// `choice` names. A phase that checkpointed its last step hands over to the next phase.
// Queued, stopped, failed and abandoned runs can be resumed; throws cpo::Error naming the run
// and the reason otherwise (finished, cancelled, still running in a live process, no run
// folder recorded, no intact checkpoint left, the chosen one damaged or not recorded).
ResumePlan planResume(store::RunStore& store, std::int64_t runId,
                      const ResumeChoice& choice = {});

// Drops what the run logged after its resume point, so the resumed run logs those steps once
// more without duplicates: the resumed phase's rows after its checkpoint and every later
// phase's rows. Call it with the run claimed (inside the caller's write transaction).
store::DiscardedRows discardReplayedRows(store::RunStore& store, const ResumePlan& plan);

} // namespace cpo::engine
