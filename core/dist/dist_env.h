#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace cpo::dist {

// Where this process stands in a data-parallel run, as launchers say it: torchrun and
// `cpo run --nproc` set RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT; under
// Slurm's srun, SLURM_PROCID, SLURM_NTASKS and SLURM_LOCALID stand in for the first three.
// Rank 0 serves the rendezvous (a c10d TCPStore) on MASTER_ADDR:MASTER_PORT.
struct DistEnv {
    int rank = 0;
    int worldSize = 1;
    int localRank = 0; // this host's rank: which GPU (cuda:LOCAL_RANK) it takes
    std::string masterAddr;
    std::uint16_t masterPort = 0;
    // How long a rendezvous or a collective may wait for the other ranks before this rank
    // gives up with an error (one died or stalled).
    std::chrono::seconds timeout{60};
};

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
// The process environment (std::getenv).
std::optional<std::string> processEnv(const std::string& name);

// The run's layout from the environment; none when WORLD_SIZE (or SLURM_NTASKS) is unset or 1:
// one process, as without a launcher. Throws cpo::Error naming the variable that is missing or
// not a number, or a rank outside [0, WORLD_SIZE).
std::optional<DistEnv> distEnvFrom(const EnvLookup& lookup, std::chrono::seconds timeout);

} // namespace cpo::dist
