#pragma once

#include <filesystem>
#include <string>

namespace cpo::data {

// The whole content of PATH, decompressed when it is a gzip or an LZ4-frame file (apt keeps
// its lists in either when Acquire::GzipIndexes is on), as it is otherwise. The format is
// told by the leading magic bytes, not the name. Throws cpo::Error naming the path for a file
// that cannot be read, is corrupt or truncated, or uses a compression we do not read
// (xz, zstd, bzip2), with how to fix it.
std::string readDecompressed(const std::filesystem::path& path);

} // namespace cpo::data
