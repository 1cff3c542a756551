// `cpo runs queue QUEUE.json`: a grid or list of runs (e.g. β × K × sampler) executed one
// after another. Every run gets its row up front (queued), so `cpo runs list` shows what is
// coming; a run that fails is recorded with its error and the queue goes on.

#include "cli_common.h"
#include "run_execution.h"
#include "store_options.h"

#include "engine/run_grid.h"
#include "engine/run_recorder.h"
#include "engine/run_session.h"
#include "util/log.h"
#include "util/paths.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <memory>

namespace cpo::cli {
namespace {

namespace fs = std::filesystem;

struct QueueOptions {
    CommonOptions common;
    std::string queue;
    std::string db;
    std::string out;
    double stepsScale = 1.0;
    bool dryRun = false;
};

// A run's folder name: its position, then its name with what a file name should not hold
// (spaces, slashes, quotes) turned into '-'.
std::string folderName(std::size_t index, const std::string& name)
{
    char prefix[16];
    std::snprintf(prefix, sizeof prefix, "%02zu-", index + 1);
    std::string folder = prefix;
    for (const char c : name) {
        const bool plain = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                           c == '-' || c == '=';
        folder += plain ? c : '-';
    }
    return folder;
}

// A run that never starts because its overrides do not make a valid experiment: recorded as
// failed with the reason, so the queue's record is complete.
std::int64_t recordInvalidRun(store::RunStore& runs, const engine::QueuedRun& queued,
                              const fs::path& runDir)
{
    using namespace std::chrono;
    store::RunRecord run;
    run.name = queued.name;
    run.status = store::RunStatus::Failed;
    run.experimentJson = queued.experiment.dump(2);
    run.error = queued.error;
    run.runDir = runDir.string();
    run.createdAt = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    run.finishedAt = run.createdAt;
    return runs.createRun(run);
}

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
        std::cout << std::setw(3) << i + 1 << "  " << queue[i].name
                  << (queue[i].config ? "" : "\n    invalid: " + queue[i].error) << '\n';
}

int runQueue(const QueueOptions& options)
{
    applyCommonOptions(options.common);
    auto queue = engine::loadQueue(options.queue);
    if (options.dryRun) {
        printPlan(queue, options.common.json);
        return 0;
    }
    warnIfReferenceBlas();
    for (auto& run : queue)
        if (run.config && options.stepsScale != 1.0)
            engine::scaleSteps(*run.config, options.stepsScale);

    const fs::path root = fs::absolute(
        options.out.empty() ? defaultRunsDirectory() / (fs::path(options.queue).stem().string() +
                                                        "-" + folderTimestamp())
                            : fs::path(options.out));
    const auto dbPath = storePath(options.db);
    if (dbPath.has_parent_path())
        fs::create_directories(dbPath.parent_path());
    store::RunStore runs(dbPath);

    std::vector<std::int64_t> ids;
    {
        store::Transaction enqueue(runs.database());
        for (std::size_t i = 0; i < queue.size(); ++i) {
            const auto runDir = root / folderName(i, queue[i].name);
            ids.push_back(queue[i].config
                              ? engine::createRunRow(runs, *queue[i].config, runDir)
                              : recordInvalidRun(runs, queue[i], runDir));
        }
        enqueue.commit();
    }
    auto logger = log::get("run");
    logger->info("queued {} runs (ids {}-{}) in {}, folders under {}", ids.size(), ids.front(),
                 ids.back(), dbPath.string(), root.string());

    nlohmann::json results = nlohmann::json::array();
    int exitCode = 0;
    bool stopped = false;
    for (std::size_t i = 0; i < queue.size(); ++i) {
        const auto& queued = queue[i];
        nlohmann::json result{{"id", ids[i]}, {"name", queued.name}};
        if (!queued.config) {
            logger->error("run {} ({}) is not a valid experiment: {}", ids[i], queued.name,
                          queued.error);
            result.update({{"status", "failed"}, {"message", queued.error}});
            results.push_back(result);
            exitCode = 1;
            continue;
        }
        if (stopped) {
            result["status"] = "queued";
            results.push_back(result);
            continue;
        }
        logger->info("run {} of {}: {} (id {})", i + 1, queue.size(), queued.name, ids[i]);
        engine::RunRecorder recorder(runs, ids[i]);
        engine::RunSession session(*queued.config, root / folderName(i, queued.name));
        const auto summary = executeRun(session, recorder, false);
        result.update({{"status", engine::toString(summary.outcome)},
                       {"message", summary.message},
                       {"run_dir", summary.runDir.string()}});
        results.push_back(result);
        const int code = exitCodeFor(summary);
        stopped = summary.outcome == engine::RunOutcome::Stopped;
        if (stopped)
            logger->warn("queue stopped; the runs after it stay queued: `cpo runs resume ID` "
                         "starts one");
        exitCode = std::max(exitCode, code);
    }
    printJson({{"runs", results}, {"db", dbPath.string()}, {"root", root.string()}});
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
    addStepsScaleOption(*command, options->stepsScale);
    command->add_flag("--dry-run", options->dryRun,
                      "List the runs the queue would make, and which are invalid, then exit");
    addCommonOptions(*command, options->common);
    command->callback([options, &action] { action = [options] { return runQueue(*options); }; });
}

} // namespace cpo::cli
