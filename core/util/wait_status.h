#pragma once

#include <sys/wait.h>

namespace cpo {

// A reaped child's exit code as a shell reports it: its own, or 128 + the signal that killed it.
inline int exitCodeOf(int waitStatus)
{
    return WIFEXITED(waitStatus) ? WEXITSTATUS(waitStatus) : 128 + WTERMSIG(waitStatus);
}

} // namespace cpo
