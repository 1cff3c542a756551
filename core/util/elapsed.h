#pragma once

#include <chrono>

namespace cpo {

// Seconds of the monotonic clock since `start`: durations for logs, events and progress.
inline double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace cpo
