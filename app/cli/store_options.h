#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

// What the `cpo runs` subcommands share: which store file, and which run.
namespace cpo::cli {

// The file --db names, else the user's default store.
std::filesystem::path storePath(const std::string& db);

void addDbOption(CLI::App& command, std::string& db);
void addRunIdArgument(CLI::App& command, std::int64_t& runId);

} // namespace cpo::cli
