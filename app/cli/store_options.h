#pragma once

#include "store/run_store.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

// What the `cpo runs` subcommands share: which store file, and which run.
namespace cpo::cli {

// The file --db names, else the user's default store.
std::filesystem::path storePath(const std::string& db);

// Opens a store that must already exist: SQLite's own message for a missing file ("unable to
// open database file") does not tell a new user that the store appears with the first run,
// and a read-write open would silently create an empty one.
store::RunStore openExistingStore(const std::filesystem::path& file, store::OpenMode mode);

// The run, or cpo::Error naming the id and the store.
store::RunRecord requireRun(store::RunStore& runs, std::int64_t runId);

void addDbOption(CLI::App& command, std::string& db);
void addRunIdArgument(CLI::App& command, std::int64_t& runId);

} // namespace cpo::cli
