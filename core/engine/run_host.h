#pragma once

#include "engine/experiment.h"
#include "engine/run_events.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

// The write side of the engine that the CLI and the desktop app both drive: it runs
// experiments, resumes interrupted runs and works through queues, recording each into the
// run store. No LibTorch in this header (pimpl).
namespace cpo::train {
class Collective;
}

namespace cpo::engine {

struct RunRequest {
    ExperimentConfig config;
    std::filesystem::path outDir; // "" = the experiment's output.dir, else a new folder
                                  // NAME-TIME under the default runs folder
    double stepsScale = 1.0;      // multiplies every phase's step counts (a quick try)
};

// A queue file's runs (engine/run_grid.h), each in its own folder under one root.
struct QueueRequest {
    std::filesystem::path queueFile;
    std::filesystem::path outDir; // "" = QUEUE-TIME under the default runs folder
    double stepsScale = 1.0;
    std::string device;           // "" = each experiment's field "device"; else used for all
};

// How one run of a queue went.
struct QueueEntry {
    std::int64_t runId = 0;
    std::string name;
    std::string error;                 // an invalid experiment: why (the run never started)
    std::optional<RunSummary> summary; // empty: never started (invalid, or the queue stopped)
};

struct QueueSummary {
    std::filesystem::path root; // the folder holding the runs' folders
    std::vector<QueueEntry> runs;
};

// Owns the process's one writer connection to a run store and runs one run at a time: a
// session, its recorder, then the listeners, so whatever a listener shows is already stored.
// A run goes either on a worker thread (start, startResume, startQueue: for the GUI) or on
// the caller's (run, resume, runQueue: for the CLI). Steering (pause, unpause, stop, cancel)
// may come from any thread; it acts between two training steps.
class RunHost {
public:
    // Opens (and creates, with its folder) the store. Throws cpo::Error naming the file.
    explicit RunHost(std::filesystem::path db);
    ~RunHost(); // stops an active run with a checkpoint and waits for it
    RunHost(const RunHost&) = delete;
    RunHost& operator=(const RunHost&) = delete;

    using Listener = std::function<void(std::int64_t runId, const RunEvent&)>;
    // Called on the engine thread for every event, after the recorder stored it; the last
    // event of a run is RunFinished. Add listeners before starting a run.
    void addListener(Listener listener);

    // Creates the run's row (queued) and its folder's path, then runs it on a worker thread;
    // returns the run id (its row exists). Throws cpo::Error while another run is active, or
    // naming the experiment's field "device" when that device cannot be used here (before
    // any row or folder is made).
    std::int64_t start(RunRequest request);
    // Claims an interrupted (stopped, failed, abandoned, queued) run and continues it on a
    // worker thread from its newest intact recorded checkpoint, or from the one `fromStep`
    // names ("N" or "PHASE:N"). `device` ("" = the run's recorded one) moves the run, e.g. a
    // run trained on a GPU server resumed on a laptop. Throws cpo::Error naming the run and
    // the reason when it cannot be resumed, or the device when it cannot be used here.
    std::int64_t startResume(std::int64_t runId, const std::string& fromStep = {},
                             const std::string& device = {});
    // Gives every run of the queue its row (queued) up front, then runs them one after
    // another on a worker thread; returns their ids in queue order.
    std::vector<std::int64_t> startQueue(QueueRequest request);

    // The same on the caller's thread: they return when the run (or queue) ends.
    RunSummary run(RunRequest request);
    RunSummary resume(std::int64_t runId, const std::string& fromStep = {},
                      const std::string& device = {});
    QueueSummary runQueue(QueueRequest request);

    // The active run: pause waits between two steps, unpause goes on, stop finishes the step,
    // checkpoints and ends the run (resumable; a queue leaves its later runs queued), cancel
    // ends it without a checkpoint. No-ops when nothing runs. stop() is async-signal-safe
    // while the run is on the caller's thread (Ctrl+C in the CLI).
    void pause();
    void unpause();
    void stop();
    void cancel();
    std::optional<std::int64_t> activeRun() const;

    // Joins the worker; the summary of the last run it ran (of a queue: its last run's).
    RunSummary wait();
    // Joins the worker; what startQueue's queue did.
    QueueSummary waitQueue();

    // Runs from now on are data-parallel with this process as rank 0 of `collective`
    // (RunSession::setDataParallel), which must outlive them. Null: one process.
    void setDataParallel(train::Collective* collective, int localRank);

    const std::filesystem::path& database() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace cpo::engine
