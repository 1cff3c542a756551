#pragma once

#include <cstdint>
#include <optional>

namespace cpo {

// This process' resident set size in bytes (Linux /proc/self/statm); nullopt where the
// system does not tell.
std::optional<std::int64_t> residentBytes();

} // namespace cpo
