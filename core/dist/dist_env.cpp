#include "dist/dist_env.h"

#include "util/error.h"

#include <spdlog/fmt/fmt.h>

#include <charconv>
#include <cstdlib>

namespace cpo::dist {
namespace {

std::optional<long> number(const EnvLookup& lookup, const std::string& name)
{
    const auto text = lookup(name);
    if (!text)
        return std::nullopt;
    long value = 0;
    const auto* end = text->data() + text->size();
    const auto [next, error] = std::from_chars(text->data(), end, value);
    if (error != std::errc() || next != end)
        throw Error(fmt::format("the environment variable {} is '{}'; it must be a whole number",
                                name, *text));
    return value;
}

// The first of the variables that is set.
std::optional<long> firstNumber(const EnvLookup& lookup, const std::string& name,
                                const std::string& slurmName)
{
    if (auto value = number(lookup, name))
        return value;
    return number(lookup, slurmName);
}

} // namespace

std::optional<std::string> processEnv(const std::string& name)
{
    if (const char* value = std::getenv(name.c_str()))
        return std::string(value);
    return std::nullopt;
}

std::optional<DistEnv> distEnvFrom(const EnvLookup& lookup, std::chrono::seconds timeout)
{
    const auto worldSize = firstNumber(lookup, "WORLD_SIZE", "SLURM_NTASKS");
    if (!worldSize || *worldSize == 1)
        return std::nullopt;
    if (*worldSize < 1)
        throw Error(fmt::format("WORLD_SIZE is {}; it must be at least 1", *worldSize));
    const auto rank = firstNumber(lookup, "RANK", "SLURM_PROCID");
    if (!rank)
        throw Error(fmt::format("WORLD_SIZE is {} but RANK is not set: a launcher (torchrun, "
                                "srun, cpo run --nproc) sets both for every process",
                                *worldSize));
    if (*rank < 0 || *rank >= *worldSize)
        throw Error(fmt::format("RANK is {}; it must be in [0, WORLD_SIZE = {})", *rank,
                                *worldSize));
    DistEnv env;
    env.rank = static_cast<int>(*rank);
    env.worldSize = static_cast<int>(*worldSize);
    env.localRank = static_cast<int>(firstNumber(lookup, "LOCAL_RANK", "SLURM_LOCALID")
                                         .value_or(0));
    const auto addr = lookup("MASTER_ADDR");
    if (!addr || addr->empty())
        throw Error("MASTER_ADDR is not set: it names the host of rank 0, where the ranks meet "
                    "(e.g. the first host of the Slurm allocation)");
    env.masterAddr = *addr;
    const auto port = number(lookup, "MASTER_PORT");
    if (!port)
        throw Error("MASTER_PORT is not set: it is the TCP port rank 0 listens on for the "
                    "rendezvous (e.g. 29500)");
    if (*port < 1 || *port > 65535)
        throw Error(fmt::format("MASTER_PORT is {}; it must be a TCP port (1-65535)", *port));
    env.masterPort = static_cast<std::uint16_t>(*port);
    env.timeout = timeout;
    return env;
}

} // namespace cpo::dist
