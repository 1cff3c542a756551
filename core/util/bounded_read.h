#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace cpo {

// The most bytes a small JSON input (experiment, queue, config.json, judge config) may have.
inline constexpr std::uintmax_t kMaxConfigFileBytes = std::uintmax_t(64) << 20;
// The most bytes a tokenizer file may have (real ones stay under 50 MiB).
inline constexpr std::uintmax_t kMaxTokenizerFileBytes = std::uintmax_t(1) << 30;

// A whole file as text, refusing one larger than maxBytes before reading it in. The limit also
// holds for what has no size (/dev/zero, a pipe): reading stops at maxBytes + 1. Throws
// cpo::Error naming the file and `what` it was read as ("experiment file", ...).
std::string readBoundedFile(const std::filesystem::path& file, std::uintmax_t maxBytes,
                            std::string_view what);

} // namespace cpo
