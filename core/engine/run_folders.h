#pragma once

#include "engine/experiment.h"

#include <cstddef>
#include <filesystem>
#include <string>

// Where runs keep their files: one folder per run, named so that folders sort by time.
namespace cpo::engine {

// Local time as YYYYMMDD-HHMMSS.
std::string folderTimestamp();

// A run's folder, absolute: `outDir` when given, else the experiment's output.dir, else
// NAME-TIME under the default runs folder.
std::filesystem::path runFolderFor(const ExperimentConfig& config,
                                   const std::filesystem::path& outDir);

// A queue's root folder, absolute: `outDir` when given, else QUEUE-TIME (the queue file's
// stem) under the default runs folder.
std::filesystem::path queueRootFor(const std::filesystem::path& queueFile,
                                   const std::filesystem::path& outDir);

// A queued run's folder name: its 1-based position, then its name with what a file name
// should not hold (spaces, slashes, quotes) turned into '-': "03-demo-cpo.beta=1".
std::string queueFolderName(std::size_t index, const std::string& name);

} // namespace cpo::engine
