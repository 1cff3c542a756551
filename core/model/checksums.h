#pragma once

#include <filesystem>
#include <string>
#include <string_view>

// checksums.sha256 in a model folder: the sha256 of each of its files when they were written,
// as `sha256sum` writes them, so `sha256sum -c checksums.sha256` checks them by hand too.
// Checkpoints carry one; a flipped byte in their weights is then caught before it is used.
namespace cpo::model {

inline constexpr char kChecksumsFile[] = "checksums.sha256";

// Records every regular file in `folder` (the list itself aside), in name order.
void writeChecksums(const std::filesystem::path& folder);

// Checks the folder's files against its list; throws cpo::Error naming the first file that
// is gone or whose bytes differ. A folder without a list (not written by CPO Studio, or by
// a version before the lists) passes: there is nothing to check against.
void verifyChecksums(const std::filesystem::path& folder);

// The sha256 the list records for `file` (a name in the folder); "" without one.
std::string recordedChecksum(const std::filesystem::path& folder, std::string_view file);

} // namespace cpo::model
