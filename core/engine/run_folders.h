#pragma once

#include "engine/experiment.h"

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

// Where runs keep their files: one folder per run, named so that folders sort by time. A new
// run claims its folder before it writes anything, so that no two runs share one and no run
// writes over another's files.
namespace cpo::engine {

// Local time as YYYYMMDD-HHMMSS.
std::string folderTimestamp();

// What of a name may appear in a file name: letters, digits and ". _ = -"; anything else
// (separators, spaces, control characters, bytes of non-ASCII text) becomes '-', leading dots
// go (no hidden folders, never "." or ".."), at most kMaxFolderNameBytes bytes; "run" if
// nothing is left. A name taken from an experiment can never leave the folder it is put in.
inline constexpr std::size_t kMaxFolderNameBytes = 80;
std::string safeFolderName(std::string_view name);

// Claims a new run's folder and returns it, absolute. `outDir` when given, else the
// experiment's output.dir: created, or taken when it exists and is empty; a folder with files
// in it (another run's) is refused with cpo::Error. Else NAME-TIME under the default runs
// folder, with "-2", "-3"… added when another run holds that name. The claim is
// experiment.json created exclusively (O_EXCL), so two runs racing for a folder cannot both
// win; it holds `experimentJson` until the run writes its final form.
std::filesystem::path claimRunFolder(const ExperimentConfig& config,
                                     const std::filesystem::path& outDir,
                                     const std::string& experimentJson);

// A queue's root folder, claimed the same way (outDir, else QUEUE-TIME under the default runs
// folder); the claim is queue.json holding `queueJson`.
std::filesystem::path claimQueueRoot(const std::filesystem::path& queueFile,
                                     const std::filesystem::path& outDir,
                                     const std::string& queueJson);

// A queued run's folder name: its 1-based position, then safeFolderName(name):
// "03-demo-cpo.beta=1".
std::string queueFolderName(std::size_t index, const std::string& name);

} // namespace cpo::engine
