#include "data_parallel_options.h"

#include "local_launcher.h"
#include "run_execution.h"

#include "dist/process_group.h"
#include "engine/rank_follower.h"

#include <csignal>

namespace cpo::cli {

void addDataParallelOptions(CLI::App& command, DataParallelOptions& options)
{
    command.add_option("--nproc", options.nproc,
                       "Train data-parallel with this many ranks on this host (each takes a "
                       "slice of every batch; c10d Gloo on CPU). Launchers such as torchrun or "
                       "srun set RANK, WORLD_SIZE, ... instead")
        ->check(CLI::Range(1, 1024));
    command.add_option("--dist-timeout", options.timeoutSeconds,
                       "Seconds a data-parallel rank waits for the others (rendezvous, "
                       "all-reduce) before it stops with an error (default 60)")
        ->check(CLI::Range(1, 86400));
}

std::optional<DataParallelRole> joinFromEnvironment(const DataParallelOptions& options,
                                                    bool cuda)
{
    auto env = dist::distEnvFrom(dist::processEnv, std::chrono::seconds(options.timeoutSeconds));
    if (!env)
        return std::nullopt;
    DataParallelRole role{*env, dist::joinProcessGroup(*env, cuda)};
    return role;
}

int runDataParallel(const DataParallelOptions& options, bool cuda,
                    const std::function<int(DataParallelRole*)>& asRankZero)
{
    if (options.nproc > 1)
        return launchLocalRanks(options.nproc, std::chrono::seconds(options.timeoutSeconds));
    auto role = joinFromEnvironment(options, cuda);
    if (role && !role->isRankZero()) {
        std::signal(SIGINT, SIG_IGN); // rank 0 decides when the run stops; all follow
        return exitCodeFor(engine::followRankZero(*role->collective, role->env.localRank));
    }
    return asRankZero(role ? &*role : nullptr);
}

} // namespace cpo::cli
