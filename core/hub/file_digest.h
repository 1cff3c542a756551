#pragma once

#include <filesystem>
#include <string>

// The two digests the Hub names files by: sha256 for LFS files, git's blob sha1 otherwise.
namespace cpo::hub {

// Lower-case hex sha256 of the file's bytes (throws cpo::Error if it cannot be read).
std::string sha256Hex(const std::filesystem::path& file);
// Lower-case hex sha1 of "blob <size>\0" + the file's bytes: the id git gives the file.
std::string gitBlobSha1Hex(const std::filesystem::path& file);

} // namespace cpo::hub
