#pragma once

#include "data/examples.h"
#include "model/causal_lm.h"
#include "train/phase_checkpoints.h"
#include "train/phase_events.h"
#include "train/run_control.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cpo::train {

// How a phase's loop runs, the same for MLE and CPO.
struct PhaseLoopSettings {
    std::string_view name;              // "MLE" | "CPO", for logs and messages
    std::int64_t steps = 0;             // the phase ends after this many optimizer steps
    std::int64_t evalEvery = 0;         // validation every N steps (0: at the end only)
    std::int64_t checkpointEvery = 0;   // a checkpoint every N steps (0: at the end only)
    bool evaluateAtStart = false;       // validation before the first step of a fresh phase
    std::string_view failureAdvice;     // what to do after a refused step, for the message
};

// What the trainer does at each point of the loop.
struct PhaseLoopHooks {
    // One optimizer step at the current step count: empty when applied, else why it was
    // refused (not applied).
    std::function<std::optional<std::string>()> trainStep;
    std::function<void()> stepDone;        // after the step count advanced: report it
    // Validation at the current step (empty, or none returned: the phase has none) and how to
    // report it.
    std::function<std::optional<ValidationMetrics>()> validate;
    std::function<void(const ValidationMetrics&)> validated;
    std::function<void()> writeCheckpoint; // of the current step
    std::function<void(const std::string& message)> failed; // empty: only logged
    // The action every rank of a data-parallel run takes, from this rank's (empty: this
    // rank's own).
    std::function<ControlAction(ControlAction)> agree;
};

struct PhaseLoopEnd {
    PhaseOutcome outcome = PhaseOutcome::Finished;
    std::string message;
    std::optional<ValidationMetrics> lastValidation;
};

// How a phase ended, as both trainers' run() return it.
struct PhaseResult {
    PhaseOutcome outcome = PhaseOutcome::Finished;
    std::int64_t step = 0;        // optimizer steps completed
    std::string message;          // for the user; on failure it says what was not finite
    std::optional<std::filesystem::path> lastCheckpoint;
    std::optional<ValidationMetrics> lastValidation;
};

// The loop both trainers share: between two steps it asks `control` (a stop checkpoints and
// ends Stopped, a cancel ends Cancelled, a pause waits); a refused step ends Failed without a
// checkpoint (the last one stays the last good one); validation and checkpoints at their
// cadence, then validation and a checkpoint at the end. `step` is the trainer's step count,
// advanced here.
PhaseLoopEnd runPhaseLoop(const PhaseLoopSettings& settings, const PhaseLoopHooks& hooks,
                          RunControl* control, const PhaseCheckpoints& checkpoints,
                          std::int64_t& step);

// The result of a loop that ended with `end` at `step`, with the last checkpoint written.
PhaseResult phaseResult(const PhaseLoopEnd& end, std::int64_t step,
                        const PhaseCheckpoints& checkpoints);

// The validation loss of `model` at `step` on the first `count` examples (all when 0), in
// batches kEvalBatchFactor times the training batch; none without examples.
std::optional<ValidationMetrics> validationAt(model::CausalLMImpl& model,
                                              std::span<const data::TokenizedExample> examples,
                                              std::int64_t trainBatchSize, std::int64_t count,
                                              std::int64_t step);

} // namespace cpo::train
