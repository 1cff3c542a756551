#pragma once

#include <cstdint>

// Sizes beyond these are typos, not experiments: the bounds keep products of them finite and
// refuse runaway work before anything is allocated.
namespace cpo::engine {

// The most steps (and examples) any phase may count, after --steps-scale too.
inline constexpr double kMaxCount = 1e12;
// The most runs one queue file may ask for (its grid's combinations plus its listed runs).
inline constexpr std::int64_t kMaxQueueRuns = 10'000;

} // namespace cpo::engine
