#pragma once

#include "store/records.h"

#include <chrono>
#include <string>

namespace cpo::engine {

// A process recording a run stamps its heartbeat at least this often (RunRecorder).
inline constexpr std::chrono::seconds kHeartbeatInterval{30};
// A run whose heartbeat is this old has no live owner, whatever machine that owner was on.
inline constexpr std::chrono::minutes kStaleHeartbeat{5};

std::string hostName(); // this machine's, as runs record their owner's

// True while a process that claimed the run still exists: on this machine kill(pid, 0) asks
// the kernel (EPERM: it exists but belongs to another user); for an owner on another machine
// only the heartbeat can tell. A run in a terminal state is never owned, even if its pid has
// since been reused.
bool isOwnedByLiveProcess(const store::RunRecord& run);

// Left `running` or `paused` by a process that no longer exists (killed, crashed, machine
// rebooted): `cpo runs resume` can take it over. Never a mirror of a remote run (read-only).
bool isAbandoned(const store::RunRecord& run);

} // namespace cpo::engine
