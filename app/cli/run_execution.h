#pragma once

#include "engine/run_recorder.h"
#include "engine/run_session.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

namespace cpo::cli {

// Runs `session` on this thread and records it with `recorder`: a progress display on stderr,
// or with `events` every event as one JSON line on stdout. Ctrl+C stops the run at the next
// step boundary with a checkpoint (resumable); a second Ctrl+C ends the process at once.
engine::RunSummary executeRun(engine::RunSession& session, engine::RunRecorder& recorder,
                              bool events);

// The exit status for a run's outcome (0 finished, 130 stopped, 1 failed or cancelled), after
// logging why it did not finish.
int exitCodeFor(const engine::RunSummary& summary);

// Prints a run's summary as the one JSON line that ends `cpo run` and `cpo runs resume`
// (with the run's id, the store and `extra`'s fields) and returns its exit status.
int reportRun(const engine::RunSummary& summary, std::int64_t runId,
              const std::filesystem::path& db, const nlohmann::json& extra = {});

// Options the commands that run experiments share.
void addEventsFlag(CLI::App& command, bool& events);
void addStepsScaleOption(CLI::App& command, double& factor);

// Local time as YYYYMMDD-HHMMSS, for folder names that sort by time.
std::string folderTimestamp();

} // namespace cpo::cli
