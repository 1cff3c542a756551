#include "cli_common.h"
#include "data_parallel_options.h"
#include "device_option.h"
#include "run_execution.h"
#include "store_options.h"

#include "engine/experiment.h"
#include "engine/run_host.h"
#include "model/device.h"

#include <memory>

namespace cpo::cli {
namespace {

struct RunOptions {
    CommonOptions common;
    std::string experiment;
    std::vector<std::string> overrides;
    std::string out;
    std::string db;
    std::string device;
    double stepsScale = 1.0;
    bool events = false;
    DataParallelOptions parallel;
};

int runExperiment(const RunOptions& options)
{
    applyCommonOptions(options.common);
    auto config = engine::loadExperiment(options.experiment, options.overrides);
    if (!options.device.empty())
        config.device = options.device;
    requireDevice(config.device, options.device.empty()
                                     ? options.experiment + ": field 'device'"
                                     : std::string("--device"));
    const bool cuda = model::parseDevice(config.device).is_cuda();
    return runDataParallel(options.parallel, cuda, [&](DataParallelRole* role) {
        warnIfReferenceBlas();
        engine::RunHost host(storePath(options.db));
        if (role)
            host.setDataParallel(role->collective.get(), role->env.localRank);
        showRuns(host, options.events);
        InterruptGuard interrupt(host);
        const auto summary = host.run({std::move(config), options.out, options.stepsScale});
        return reportRun(summary, host.database());
    });
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
    addDeviceOption(*command, options->device, "the experiment's field \"device\"");
    addStepsScaleOption(*command, options->stepsScale);
    addEventsFlag(*command, options->events);
    addDataParallelOptions(*command, options->parallel);
    addCommonOptions(*command, options->common);
    command->callback([options, &action] { action = [options] { return runExperiment(*options); }; });
}

} // namespace cpo::cli
