#include "engine/run_resume.h"

#include "engine/run_owner.h"
#include "util/error.h"

#include <array>
#include <limits>

namespace cpo::engine {
namespace {

constexpr std::array<std::string_view, 2> kPhases{"mle", "cpo"};

std::optional<std::int64_t> phaseSteps(const ExperimentConfig& config, std::string_view phase)
{
    if (phase == "mle" && config.mle)
        return config.mle->steps;
    if (phase == "cpo" && config.cpo)
        return config.cpo->steps;
    return std::nullopt;
}

std::string describeRun(const store::RunRecord& run)
{
    return "run " + std::to_string(run.id) + " (" + run.name + ", " +
           std::string(store::statusName(run.status)) + ")";
}

void requireResumable(const store::RunRecord& run)
{
    const auto what = describeRun(run);
    switch (run.status) {
    case store::RunStatus::Finished:
        throw Error(what + " has nothing left to run");
    case store::RunStatus::Cancelled:
        throw Error(what + " was cancelled, which gives it up; start it again with `cpo run` "
                           "on its exported experiment (`cpo runs export ID --experiment F`)");
    case store::RunStatus::Running:
    case store::RunStatus::Paused:
        if (isOwnedByLiveProcess(run))
            throw Error(what + " is still being run by process " +
                        std::to_string(run.ownerPid.value_or(0)) +
                        (run.ownerHost.empty() ? std::string() : " on " + run.ownerHost) +
                        "; stop it first (Ctrl+C there)");
        return;
    case store::RunStatus::Queued:
    case store::RunStatus::Stopped:
    case store::RunStatus::Failed:
        return;
    }
}

// The phase after `phase` that the experiment has, if any.
std::optional<std::string_view> nextPhase(const ExperimentConfig& config, std::string_view phase)
{
    bool after = false;
    for (const auto candidate : kPhases) {
        if (after && phaseSteps(config, candidate))
            return candidate;
        after = after || candidate == phase;
    }
    return std::nullopt;
}

} // namespace

ResumePlan planResume(store::RunStore& store, std::int64_t runId)
{
    const auto run = store.getRun(runId);
    if (!run)
        throw Error("no run " + std::to_string(runId) + " in " + store.database().file() +
                    "; `cpo runs list` shows the ids");
    requireResumable(*run);
    if (run->runDir.empty())
        throw Error(describeRun(*run) + " has no run folder recorded (it was made by an older "
                                        "CPO Studio); it cannot be resumed");

    ResumePlan plan;
    plan.runId = run->id;
    plan.config = parseExperiment(parseJsonWithComments(run->experimentJson, "the stored run"),
                                  "run " + std::to_string(run->id) + "'s experiment");
    plan.runDir = run->runDir;

    const auto latest = store.latestCheckpoint(run->id);
    if (!latest) {
        plan.description = "starts from the beginning (no checkpoint was recorded)";
        return plan;
    }
    const auto steps = phaseSteps(plan.config, latest->phase);
    if (!steps)
        throw Error(describeRun(*run) + " has a checkpoint of a '" + latest->phase +
                    "' phase its experiment does not have");
    const std::string at = "step " + std::to_string(latest->step) + " (" + latest->path + ")";
    if (latest->step < *steps) {
        plan.point = ResumePoint{latest->phase, std::filesystem::path(latest->path), {}};
        plan.checkpointStep = latest->step;
        plan.description = "continues the " + latest->phase + " phase from " + at;
    } else if (const auto next = nextPhase(plan.config, latest->phase)) {
        plan.point = ResumePoint{std::string(*next), std::nullopt, {}};
        plan.description = "starts the " + std::string(*next) + " phase after " +
                           latest->phase + "'s last " + at;
    } else {
        plan.complete = true;
        plan.description = "is complete: its last phase checkpointed its last " + at;
        return plan;
    }
    if (plan.point->phase == "cpo" && plan.config.mle) {
        const auto mle = store.latestCheckpoint(run->id, "mle");
        if (!mle || mle->step < plan.config.mle->steps)
            throw Error(describeRun(*run) + " has no checkpoint of its finished MLE phase, "
                                            "which the CPO phase starts from");
        plan.point->mleWeights = std::filesystem::path(mle->path);
    }
    return plan;
}

store::DiscardedRows discardReplayedRows(store::RunStore& store, const ResumePlan& plan)
{
    store::DiscardedRows total;
    if (plan.complete)
        return total;
    // Phases before the resumed one stay; the resumed one keeps what its checkpoint covers;
    // later ones start over.
    const std::string_view resumed = plan.point ? plan.point->phase : kPhases.front();
    bool replayed = false;
    for (const auto phase : kPhases) {
        replayed = replayed || phase == resumed;
        if (!replayed)
            continue;
        const auto kept = phase == resumed && plan.checkpointStep
                              ? *plan.checkpointStep
                              : std::numeric_limits<std::int64_t>::min();
        const auto dropped = store.discardAfter(plan.runId, phase, kept);
        total.metrics += dropped.metrics;
        total.sampleSets += dropped.sampleSets;
        total.alerts += dropped.alerts;
        total.checkpoints += dropped.checkpoints;
    }
    return total;
}

} // namespace cpo::engine
