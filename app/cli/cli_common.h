#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <string>

namespace cpo::cli {

// What a parsed subcommand will do; main() runs it inside one error handler so every
// failure becomes one line on stderr and a non-zero exit.
using Action = std::function<int()>;

// Options every subcommand shares.
struct CommonOptions {
    bool json = false;
    std::string logLevel = "info";
    int threads = 0; // 0: LibTorch's default
};

// Registers --json / --log-level / --threads on a subcommand.
void addCommonOptions(CLI::App& command, CommonOptions& options);
// Applies --log-level and --threads; call first in every action.
void applyCommonOptions(const CommonOptions& options);

// Prints a JSON document as the single thing on stdout.
void printJson(const nlohmann::json& document);

// Logs a loud warning when CPU matmuls would run on the reference BLAS.
void warnIfReferenceBlas();

void addInitModelCommand(CLI::App& app, Action& action);
void addLogitsCommand(CLI::App& app, Action& action);
void addTokenizeCommand(CLI::App& app, Action& action);
void addGenerateCommand(CLI::App& app, Action& action);
void addBenchCommand(CLI::App& app, Action& action);
void addEnsembleCommand(CLI::App& app, Action& action);
// `ensemble sweep`, under the ensemble command; returns it.
CLI::App* addEnsembleSweepCommand(CLI::App& ensemble, Action& action);
void addRunsCommand(CLI::App& app, Action& action);
void addRunCommand(CLI::App& app, Action& action);
void addTrainTokenizerCommand(CLI::App& app, Action& action);
void addFetchCommand(CLI::App& app, Action& action);
void addCacheCommand(CLI::App& app, Action& action);
void addEvalCommand(CLI::App& app, Action& action);
// Subcommands of `cpo runs`.
void addResumeCommand(CLI::App& runs, Action& action);
void addQueueCommand(CLI::App& runs, Action& action);
void addFollowCommand(CLI::App& runs, Action& action);
void addImportCommand(CLI::App& runs, Action& action);

} // namespace cpo::cli
