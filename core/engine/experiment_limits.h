#pragma once

#include "util/config_reader.h" // kMaxCount: the most steps or examples any count may be

#include <cstdint>

// Sizes beyond these are typos, not experiments: the bounds keep products of them finite and
// refuse runaway work before anything is allocated.
namespace cpo::engine {

// The most runs one queue file may ask for (its grid's combinations plus its listed runs).
inline constexpr std::int64_t kMaxQueueRuns = 10'000;

} // namespace cpo::engine
