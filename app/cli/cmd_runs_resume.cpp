// `cpo runs resume ID`: continues a stopped, failed, abandoned or queued run in its own row,
// from the last checkpoint its store recorded, so its series have every step exactly once.

#include "cli_common.h"
#include "run_execution.h"
#include "store_options.h"

#include "engine/run_recorder.h"
#include "engine/run_resume.h"
#include "engine/run_session.h"
#include "util/log.h"

#include <memory>
#include <optional>

namespace cpo::cli {
namespace {

struct ResumeOptions {
    CommonOptions common;
    std::string db;
    std::int64_t runId = 0;
    bool events = false;
};

int runResume(const ResumeOptions& options)
{
    applyCommonOptions(options.common);
    warnIfReferenceBlas();
    const auto dbPath = storePath(options.db);
    auto runs = openExistingStore(dbPath, store::OpenMode::ReadWrite);
    auto logger = log::get("run");

    // Planning, dropping the rows to be replayed and claiming the run are one transaction:
    // two `resume`s of one run cannot both pass the check.
    store::Transaction claim(runs.database());
    const auto plan = engine::planResume(runs, options.runId);
    if (plan.complete) {
        runs.updateRunStatus(plan.runId, store::RunStatus::Finished);
        runs.clearOwner(plan.runId);
        claim.commit();
        logger->info("run {} {}; marked finished", plan.runId, plan.description);
        printJson({{"run_id", plan.runId}, {"status", "finished"}, {"db", dbPath.string()},
                   {"resumed", plan.description}});
        return 0;
    }
    const auto dropped = engine::discardReplayedRows(runs, plan);
    engine::RunRecorder recorder(runs, plan.runId);
    claim.commit();
    logger->info("run {} {} in {}", plan.runId, plan.description, plan.runDir.string());
    if (dropped.metrics + dropped.sampleSets + dropped.alerts + dropped.checkpoints > 0)
        logger->info("dropped what it logged after that point, to be logged again: {} metric "
                     "points, {} sample sets, {} alerts, {} checkpoint records",
                     dropped.metrics, dropped.sampleSets, dropped.alerts, dropped.checkpoints);

    engine::RunSession session(plan.config, plan.runDir, plan.point);
    return reportRun(executeRun(session, recorder, options.events), plan.runId, dbPath,
                     {{"resumed", plan.description}});
}

} // namespace

void addResumeCommand(CLI::App& runs, Action& action)
{
    auto options = std::make_shared<ResumeOptions>();
    auto* command = runs.add_subcommand(
        "resume", "Continue a stopped, failed, abandoned (its process died) or queued run from "
                  "its last checkpoint, in the same row; ends with one JSON summary line");
    addRunIdArgument(*command, options->runId);
    addDbOption(*command, options->db);
    addEventsFlag(*command, options->events);
    addCommonOptions(*command, options->common);
    command->callback([options, &action] { action = [options] { return runResume(*options); }; });
}

} // namespace cpo::cli
