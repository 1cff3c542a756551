#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

// A run moved between machines, e.g. from a GPU server to the desktop: a bundle is a folder
//   manifest.json   {"format": "cpo-run-bundle", "version": 1, "run": {...},
//                    "files": [{"path", "size", "sha256"}, ...]}
//   rows.json       the run's store rows (store/run_rows.h): metrics, sample sets,
//                   checkpoints, alerts, evaluations, α sweeps, the event log
//   run/...         the run folder's files (experiment, teacher, tokenizer, data) and the
//                   final checkpoint of each phase (earlier ones stay behind)
// The manifest names every other file with its sha256, checked on import. No LibTorch here.
namespace cpo::engine {

struct BundleExport {
    std::filesystem::path bundle;
    std::vector<std::string> checkpoints; // bundle paths of the checkpoints taken
    std::size_t files = 0;
    std::uintmax_t bytes = 0;
};

// Writes run `runId` of store `db` into the new folder `bundle`, whole or not at all (it is
// written beside it and renamed). Only an ended run (finished, stopped, failed, cancelled)
// is exported. Throws cpo::Error naming the run, the store or the file.
BundleExport exportRunBundle(const std::filesystem::path& db, std::int64_t runId,
                             const std::filesystem::path& bundle);

struct BundleImport {
    std::int64_t runId = 0;       // in the store it was imported into
    std::int64_t sourceRunId = 0; // in the store it was exported from
    std::string name;
    std::filesystem::path runDir;
};

// Checks every file of `bundle` against its manifest (present, size, sha256), copies the run
// folder to `runDir` ("" = NAME-imported-TIME under the default runs folder; it must not hold
// files) and adds the run to store `db` (created when missing) under a new id, with its
// checkpoints pointing into `runDir`. A bundle whose run the store already holds (same name,
// creation time and config hash: imported before, or exported from this store) is refused,
// as is a damaged one, with cpo::Error naming the file and what is wrong; nothing is left
// behind then.
BundleImport importRunBundle(const std::filesystem::path& bundle, const std::filesystem::path& db,
                             const std::filesystem::path& runDir = {});

} // namespace cpo::engine
