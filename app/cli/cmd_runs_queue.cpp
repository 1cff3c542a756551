// `cpo runs queue QUEUE.json`: a grid or list of runs (e.g. β × K × sampler) executed one
// after another. Every run gets its row up front (queued), so `cpo runs list` shows what is
// coming; a run that fails is recorded with its error and the queue goes on.

#include "cli_common.h"
#include "device_option.h"
#include "run_execution.h"
#include "store_options.h"
#include "terminal_text.h"

#include "engine/run_grid.h"
#include "engine/run_host.h"

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <memory>

namespace cpo::cli {
namespace {

struct QueueOptions {
    CommonOptions common;
    std::string queue;
    std::string db;
    std::string out;
    std::string device;
    double stepsScale = 1.0;
    bool dryRun = false;
};

void printPlan(const std::vector<engine::QueuedRun>& queue, bool json)
{
    if (json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& run : queue)
            list.push_back({{"name", run.name}, {"overrides", run.overrides},
                            {"valid", run.config.has_value()}, {"error", run.error}});
        printJson({{"runs", list}});
        return;
    }
    for (std::size_t i = 0; i < queue.size(); ++i)
        std::cout << std::setw(3) << i + 1 << "  " << escapedForTerminal(queue[i].name)
                  << (queue[i].config ? "" : "\n    invalid: " + queue[i].error) << '\n';
}

nlohmann::json entryJson(const engine::QueueEntry& entry)
{
    nlohmann::json json{{"id", entry.runId}, {"name", entry.name}};
    if (entry.summary)
        json.update({{"status", engine::toString(entry.summary->outcome)},
                     {"message", entry.summary->message},
                     {"run_dir", entry.summary->runDir.string()}});
    else if (!entry.error.empty())
        json.update({{"status", "failed"}, {"message", entry.error}});
    else
        json["status"] = "queued";
    return json;
}

int runQueue(const QueueOptions& options)
{
    applyCommonOptions(options.common);
    requireDevice(options.device);
    if (options.dryRun) {
        printPlan(engine::loadQueue(options.queue), options.common.json);
        return 0;
    }
    warnIfReferenceBlas();
    engine::RunHost host(storePath(options.db));
    showRuns(host, false);
    InterruptGuard interrupt(host);
    const auto queue = host.runQueue({options.queue, options.out, options.stepsScale, options.device});

    nlohmann::json results = nlohmann::json::array();
    int exitCode = 0;
    for (const auto& entry : queue.runs) {
        results.push_back(entryJson(entry));
        if (entry.summary)
            exitCode = std::max(exitCode, exitCodeFor(*entry.summary));
        else if (!entry.error.empty())
            exitCode = 1;
    }
    printJson({{"runs", results}, {"db", host.database().string()},
               {"root", queue.root.string()}});
    return exitCode;
}

} // namespace

void addQueueCommand(CLI::App& runs, Action& action)
{
    auto options = std::make_shared<QueueOptions>();
    auto* command = runs.add_subcommand(
        "queue", "Run a queue file's grid or list of runs one after another; a failed run is "
                 "recorded and the queue goes on. Ends with one JSON line: every run's outcome");
    command->add_option("queue", options->queue,
                        "Queue file: {\"experiment\": FILE, \"set\": {...}, \"grid\": "
                        "{\"key.path\": [values]}, \"runs\": [{\"name\", \"set\"}]}")
        ->required();
    addDbOption(*command, options->db);
    command->add_option("--out", options->out,
                        "Folder for the runs' folders (default: "
                        "$XDG_DATA_HOME/cpo-studio/runs/QUEUE-TIME)");
    addDeviceOption(*command, options->device, "each run's experiment's");
    addStepsScaleOption(*command, options->stepsScale);
    command->add_flag("--dry-run", options->dryRun,
                      "List the runs the queue would make, and which are invalid, then exit");
    addCommonOptions(*command, options->common);
    command->callback([options, &action] { action = [options] { return runQueue(*options); }; });
}

} // namespace cpo::cli
