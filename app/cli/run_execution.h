#pragma once

#include "engine/run_host.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace cpo::cli {

// Shows the host's runs: a progress display on stderr, or with `events` every event as one
// JSON line on stdout (engine/event_codec.h).
void showRuns(engine::RunHost& host, bool events);

// The exit status for a run's outcome (0 finished, 130 stopped, 1 failed or cancelled), after
// logging why it did not finish.
int exitCodeFor(const engine::RunSummary& summary);

// Prints a run's summary as the one JSON line that ends `cpo run` and `cpo runs resume`
// (with the run's id, the store and `extra`'s fields) and returns its exit status.
int reportRun(const engine::RunSummary& summary, const std::filesystem::path& db,
              const nlohmann::json& extra = {});

// Options the commands that run experiments share.
void addEventsFlag(CLI::App& command, bool& events);
void addStepsScaleOption(CLI::App& command, double& factor);

// While it lives, Ctrl+C stops the host's active run (on this thread) at the next step
// boundary with a checkpoint (resumable); a second Ctrl+C ends the process at once.
class InterruptGuard {
public:
    explicit InterruptGuard(engine::RunHost& host);
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;
};

} // namespace cpo::cli
