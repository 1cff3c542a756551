// `cpo runs resume ID`: continues a stopped, failed, abandoned or queued run in its own row,
// from the newest intact checkpoint its store recorded (or --from-step's), so its series have
// every step exactly once.

#include "cli_common.h"
#include "data_parallel_options.h"
#include "device_option.h"
#include "run_execution.h"
#include "store_options.h"

#include "engine/run_catalog.h"
#include "engine/run_assignment.h"
#include "engine/run_host.h"
#include "model/device.h"

#include <memory>

namespace cpo::cli {
namespace {

struct ResumeOptions {
    CommonOptions common;
    std::string db;
    std::int64_t runId = 0;
    std::string fromStep;
    std::string device;
    bool events = false;
    DataParallelOptions parallel;
};

int runResume(const ResumeOptions& options)
{
    applyCommonOptions(options.common);
    requireDevice(options.device);
    // The run's recorded device is rank 0's business; NCCL only when --device says CUDA.
    const bool cuda = !options.device.empty() && model::parseDevice(options.device).is_cuda();
    return runDataParallel(options.parallel, cuda, [&](DataParallelRole* role) {
        warnIfReferenceBlas();
        const auto dbPath = storePath(options.db);
        engine::requireRunStore(dbPath);
        engine::RunHost host(dbPath);
        if (role)
            host.setDataParallel(role->collective.get(), role->env.localRank);
        showRuns(host, options.events);
        InterruptGuard interrupt(host);
        const auto summary = host.resume(options.runId, options.fromStep, options.device);
        if (summary.alreadyComplete) {
            if (role) { // the other ranks wait for a run: there is none
                std::string nothing = engine::kNothingToRun;
                role->collective->shareText("assignment", nothing);
            }
            printJson({{"run_id", summary.runId}, {"status", "finished"},
                       {"db", dbPath.string()}, {"resumed", summary.resumedFrom}});
            return 0;
        }
        return reportRun(summary, dbPath, {{"resumed", summary.resumedFrom}});
    });
}

} // namespace

void addResumeCommand(CLI::App& runs, Action& action)
{
    auto options = std::make_shared<ResumeOptions>();
    auto* command = runs.add_subcommand(
        "resume", "Continue a stopped, failed, abandoned (its process died) or queued run from "
                  "its newest intact checkpoint, in the same row; ends with one JSON summary "
                  "line");
    addRunIdArgument(*command, options->runId);
    command->add_option("--from-step", options->fromStep,
                        "Resume from the checkpoint of this step (N, or mle:N / cpo:N) instead "
                        "of the newest intact one; `cpo runs show ID` lists them");
    addDeviceOption(*command, options->device,
                    "the run's (e.g. cpu to go on with a GPU run on a laptop)");
    addDbOption(*command, options->db);
    addEventsFlag(*command, options->events);
    addDataParallelOptions(*command, options->parallel);
    addCommonOptions(*command, options->common);
    command->callback([options, &action] { action = [options] { return runResume(*options); }; });
}

} // namespace cpo::cli
