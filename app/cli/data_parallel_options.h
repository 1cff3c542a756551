#pragma once

#include "dist/dist_env.h"
#include "engine/run_events.h"
#include "train/collective.h"

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <optional>

// How `cpo run` and `cpo runs resume` take part in data-parallel training.
namespace cpo::cli {

struct DataParallelOptions {
    int nproc = 1;                // --nproc: ranks to start on this host
    std::int64_t timeoutSeconds = 60; // --dist-timeout
};

void addDataParallelOptions(CLI::App& command, DataParallelOptions& options);

// This process's part, from the launcher's environment (dist/dist_env.h): none when it runs
// alone; else joined to the other ranks.
struct DataParallelRole {
    dist::DistEnv env;
    std::unique_ptr<train::Collective> collective;
    bool isRankZero() const { return env.rank == 0; }
};
std::optional<DataParallelRole> joinFromEnvironment(const DataParallelOptions& options,
                                                    bool cuda);

// The command as data-parallel training runs it: with --nproc the local ranks are started
// (each runs the command again) and their status returned; on a rank other than 0 it follows
// rank 0 (engine/rank_follower.h); else `asRankZero` runs the command with the role (none when
// the process runs alone).
int runDataParallel(const DataParallelOptions& options, bool cuda,
                    const std::function<int(DataParallelRole*)>& asRankZero);

} // namespace cpo::cli
