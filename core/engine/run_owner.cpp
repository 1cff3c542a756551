#include "engine/run_owner.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace cpo::engine {
namespace {

bool heartbeatIsFresh(const store::RunRecord& run)
{
    using namespace std::chrono;
    if (!run.heartbeat)
        return false;
    const auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    return now - *run.heartbeat < duration_cast<milliseconds>(kStaleHeartbeat).count();
}

} // namespace

std::string hostName()
{
    std::vector<char> name(256, '\0');
    if (::gethostname(name.data(), name.size() - 1) != 0)
        return {};
    return name.data();
}

bool isOwnedByLiveProcess(const store::RunRecord& run)
{
    if (store::isTerminal(run.status) || !run.ownerPid || *run.ownerPid <= 0)
        return false;
    if (!run.ownerHost.empty() && run.ownerHost != hostName())
        return heartbeatIsFresh(run);
    return ::kill(static_cast<pid_t>(*run.ownerPid), 0) == 0 || errno == EPERM;
}

bool isAbandoned(const store::RunRecord& run)
{
    if (run.remote)
        return false; // its process is on the other machine; this one only mirrors it
    const bool claimed = run.status == store::RunStatus::Running ||
                         run.status == store::RunStatus::Paused;
    return claimed && !isOwnedByLiveProcess(run);
}

} // namespace cpo::engine
