#include "cli_common.h"
#include "run_execution.h"
#include "store_options.h"

#include "engine/experiment.h"
#include "engine/run_recorder.h"
#include "engine/run_session.h"
#include "store/run_store.h"
#include "util/log.h"
#include "util/paths.h"

#include <memory>

namespace cpo::cli {
namespace {

struct RunOptions {
    CommonOptions common;
    std::string experiment;
    std::vector<std::string> overrides;
    std::string out;
    std::string db;
    double stepsScale = 1.0;
    bool events = false;
};

std::filesystem::path runDirectory(const RunOptions& options,
                                   const engine::ExperimentConfig& config)
{
    if (!options.out.empty())
        return options.out;
    if (!config.outputDir.empty())
        return config.outputDir;
    return defaultRunsDirectory() / (config.name + "-" + folderTimestamp());
}

int runExperiment(const RunOptions& options)
{
    applyCommonOptions(options.common);
    warnIfReferenceBlas();
    auto config = engine::loadExperiment(options.experiment, options.overrides);
    if (options.stepsScale != 1.0)
        engine::scaleSteps(config, options.stepsScale);
    const auto runDir = std::filesystem::absolute(runDirectory(options, config));
    log::get("run")->info("experiment '{}' → {}", config.name, runDir.string());

    const auto dbPath = storePath(options.db);
    if (dbPath.has_parent_path())
        std::filesystem::create_directories(dbPath.parent_path());
    store::RunStore store(dbPath);
    engine::RunRecorder recorder(store, engine::createRunRow(store, config, runDir));
    log::get("run")->info("run {} in {}", recorder.runId(), dbPath.string());

    engine::RunSession session(config, runDir);
    return reportRun(executeRun(session, recorder, options.events), recorder.runId(), dbPath);
}

} // namespace

void addRunCommand(CLI::App& app, Action& action)
{
    auto options = std::make_shared<RunOptions>();
    auto* command = app.add_subcommand(
        "run", "Run an experiment's phases headless; ends with one JSON summary line on stdout");
    command->add_option("experiment", options->experiment, "Experiment file (JSON, // comments)")
        ->required();
    command->add_option("--set", options->overrides,
                        "Override a field: key.path=value (value as JSON, else a string); "
                        "repeatable, e.g. --set mle.steps=100 --set cpo=null");
    command->add_option("--out", options->out,
                        "Run folder (default: experiment output.dir, else "
                        "$XDG_DATA_HOME/cpo-studio/runs/NAME-TIME)");
    command->add_option("--db", options->db,
                        "Run store to record the run in (default: "
                        "$XDG_DATA_HOME/cpo-studio/runs.sqlite)");
    addStepsScaleOption(*command, options->stepsScale);
    addEventsFlag(*command, options->events);
    addCommonOptions(*command, options->common);
    command->callback([options, &action] { action = [options] { return runExperiment(*options); }; });
}

} // namespace cpo::cli
