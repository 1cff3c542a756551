#pragma once

#include "engine/experiment.h"
#include "engine/run_events.h"
#include "train/run_control.h"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace cpo::store {
class RunStore;
}
namespace cpo::train {
class Collective;
}

namespace cpo::engine {

// Where an interrupted run picks up, from what its store recorded: the phase to continue,
// that phase's last checkpoint (none: the phase starts over) and, for the CPO phase of an
// experiment with an MLE phase, the weights MLE ended with (π_ref and π_θ's start).
struct ResumePoint {
    std::string phase; // "mle" | "cpo"
    std::optional<std::filesystem::path> checkpoint;
    std::optional<std::filesystem::path> mleWeights;
};

// Walks an experiment's phases on the caller's thread: data, model, MLE, CPO, emitting
// events as it goes. Everything it writes lands under runDir: the canonical experiment.json,
// the data it made, checkpoints per phase. With a resume point it rebuilds the same data and
// model, skips what the checkpoint covers and continues from there.
//
// Steering (stop, cancel, pause, resume) is thread-safe and signal-safe, and takes effect
// between two training steps; before the first step it is noticed when training begins.
class RunSession {
public:
    RunSession(ExperimentConfig config, std::filesystem::path runDir,
               std::optional<ResumePoint> resumeFrom = std::nullopt);

    void setEventCallback(RunEventCallback callback) { m_onEvent = std::move(callback); }
    // Where the experiment's evaluations (its `eval` block) store their rows: the run's row
    // of the store the recorder writes, on the same thread. Unset: judged, not stored.
    void setStore(store::RunStore* store, std::int64_t runId)
    {
        m_store = store;
        m_runId = runId;
    }
    // Data-parallel training (train/data_parallel.h) as rank collective->rank() (LOCAL_RANK
    // picks the GPU). Rank 0 runs the session it was given and hands it to the others; a
    // session on another rank takes the experiment, folder and resume point from rank 0
    // (whatever it was built with), writes nothing but scratch files in its own runDir, and
    // emits its events only to its callback. Null: one process.
    void setDataParallel(train::Collective* collective, int localRank)
    {
        m_collective = collective;
        m_localRank = localRank;
    }
    // The running phase finishes its step, checkpoints and stops: the run can be resumed.
    void requestStop() { m_control.requestStop(); }
    // The running phase ends after its step without a checkpoint: the run is given up.
    void requestCancel() { m_control.requestCancel(); }
    void pause() { m_control.pause(); }
    void resume() { m_control.resume(); }

    // Never throws for a bad experiment or data: the summary says Failed with the message.
    RunSummary run();

private:
    void emit(const RunEvent& event) const;
    RunSummary runPhases();
    bool isFollower() const;
    // Rank 0 hands the run to the others; they adopt it (false: rank 0 has nothing to run).
    bool shareAssignment();
    // Runs one phase's trainer and records how it ended; false when the run must stop there.
    template <typename Trainer>
    bool runPhase(const std::string& phase, std::int64_t steps, Trainer& trainer,
                  RunSummary& summary);

    ExperimentConfig m_config;
    std::filesystem::path m_runDir;
    std::optional<ResumePoint> m_resumeFrom;
    RunEventCallback m_onEvent;
    train::RunControl m_control;
    store::RunStore* m_store = nullptr;
    std::int64_t m_runId = 0;
    train::Collective* m_collective = nullptr;
    int m_localRank = 0;
    std::filesystem::path m_rankZeroRunDir; // on the other ranks: rank 0's run folder
};

// Multiplies every phase's step counts (steps, warmup, evaluation and checkpoint intervals)
// by `factor`, keeping each at least 1 where it was positive: a quick try of an experiment.
void scaleSteps(ExperimentConfig& config, double factor);

} // namespace cpo::engine
