// `cpo`: the headless command line of CPO Studio. Each subcommand lives in its own
// cmd_*.cpp; this file only parses and runs the chosen one under one error handler.

#include "cli_common.h"

#include "util/error.h"
#include "util/heap_tuning.h"
#include "util/version.h"

#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>

#include <exception>
#include <iostream>
#include <string>

namespace {

// LibTorch messages carry a multi-line trace; the user gets the first line.
std::string firstLine(const std::string& text)
{
    return text.substr(0, text.find('\n'));
}

int runCli(int argc, char** argv)
{
    CLI::App app{"cpo: sequence-level Contrastive Preference Optimization, headless", "cpo"};
    app.set_version_flag("--version", std::string(cpo::versionString()));
    app.require_subcommand(1);
    cpo::cli::Action action;
    cpo::cli::addRunCommand(app, action);
    cpo::cli::addInitModelCommand(app, action);
    cpo::cli::addLogitsCommand(app, action);
    cpo::cli::addTokenizeCommand(app, action);
    cpo::cli::addTrainTokenizerCommand(app, action);
    cpo::cli::addGenerateCommand(app, action);
    cpo::cli::addBenchCommand(app, action);
    cpo::cli::addEnsembleCommand(app, action);
    cpo::cli::addRunsCommand(app, action);
    cpo::cli::addFetchCommand(app, action);
    cpo::cli::addCacheCommand(app, action);
    cpo::cli::addEvalCommand(app, action);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        // One line, naming the problem and where help is.
        if (app.get_subcommands().empty() && argc > 1 && argv[1][0] != '-') {
            std::string commands;
            for (const auto* command : app.get_subcommands({}))
                commands += (commands.empty() ? "" : ", ") + command->get_name();
            std::cerr << "cpo: unknown command '" << argv[1] << "' (commands: " << commands
                      << ")\n";
            return 2;
        }
        std::cerr << "cpo: " << e.what() << " (see `cpo --help` or `cpo COMMAND --help`)\n";
        return e.get_exit_code() == 0 ? 2 : e.get_exit_code();
    }
    return action();
}

} // namespace

int main(int argc, char** argv)
{
    cpo::keepLargeBlocksInHeap(); // training steps reuse their largest buffers
    try {
        return runCli(argc, argv);
    } catch (const cpo::Error& e) {
        std::cerr << "cpo: error: " << e.what() << '\n';
    } catch (const c10::Error& e) {
        std::cerr << "cpo: LibTorch error: " << firstLine(e.what_without_backtrace()) << '\n';
    } catch (const std::exception& e) {
        std::cerr << "cpo: error: " << firstLine(e.what()) << '\n';
    }
    return 1;
}
