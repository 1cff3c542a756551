#include "engine/run_resume.h"

#include "engine/run_owner.h"
#include "model/checksums.h"
#include "train/checkpoint.h"
#include "util/error.h"
#include "util/log.h"

#include <array>
#include <charconv>
#include <limits>
#include <vector>

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
    if (run.remote)
        throw Error(what + " mirrors run " + std::to_string(run.remote->runId) + " of " +
                    run.remote->host + " and is read-only here: resume it there (`cpo runs "
                    "resume " + std::to_string(run.remote->runId) + "` on " +
                    run.remote->host + ")");
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

std::string listSteps(const std::vector<store::CheckpointRecord>& records)
{
    std::string text;
    for (const auto& record : records)
        text += (text.empty() ? "" : ", ") + record.phase + ":" + std::to_string(record.step);
    return text.empty() ? "none" : text;
}

struct Chosen {
    std::optional<store::CheckpointRecord> record; // none: no checkpoint was recorded
    std::string passedOver; // "; the newer checkpoint … is damaged …", for the description
};

// The checkpoint a resume starts from (records in the order recorded): the one of
// choice.step, which must be intact, else the newest intact one.
Chosen chooseCheckpoint(const std::vector<store::CheckpointRecord>& records,
                        const store::RunRecord& run, const ResumeChoice& choice)
{
    Chosen chosen;
    if (choice.step) {
        // The later phase's when both have that step: records are in the order written.
        for (auto it = records.rbegin(); it != records.rend() && !chosen.record; ++it)
            if (it->step == *choice.step && (choice.phase.empty() || it->phase == choice.phase))
                chosen.record = *it;
        const auto named = (choice.phase.empty() ? "" : choice.phase + ":") +
                           std::to_string(*choice.step);
        if (!chosen.record)
            throw Error(describeRun(run) + " has no checkpoint at step " + named +
                        "; its checkpoints: " + listSteps(records));
        if (const auto damage = choice.check(*chosen.record))
            throw Error(describeRun(run) + ": the checkpoint at step " + named +
                        " is damaged: " + *damage);
        return chosen;
    }
    std::vector<std::string> damaged;
    for (auto it = records.rbegin(); it != records.rend() && !chosen.record; ++it) {
        if (const auto damage = choice.check(*it))
            damaged.push_back(it->phase + " step " + std::to_string(it->step) + ": " + *damage);
        else
            chosen.record = *it;
    }
    if (damaged.empty())
        return chosen;
    for (const auto& line : damaged)
        log::get("run")->warn("run {}: passing over a damaged checkpoint ({})", run.id, line);
    if (!chosen.record)
        throw Error(describeRun(run) + ": none of its " + std::to_string(records.size()) +
                    " checkpoints is intact (newest: " + damaged.front() + "); start it "
                    "again with `cpo run` on its exported experiment (`cpo runs export ID "
                    "--experiment F`)");
    chosen.passedOver = "; passed over " + std::to_string(damaged.size()) + " newer damaged "
                        "checkpoint" + (damaged.size() > 1 ? "s" : "") + " (" +
                        damaged.front() + ")";
    return chosen;
}

} // namespace

std::optional<std::string> checkpointDamage(const store::CheckpointRecord& checkpoint)
{
    const std::filesystem::path folder = checkpoint.path;
    try {
        if (!std::filesystem::is_directory(folder))
            return folder.string() + ": the folder is gone";
        model::verifyChecksums(folder);
        if (!checkpoint.sha256.empty() &&
            model::recordedChecksum(folder, "model.safetensors") != checkpoint.sha256)
            return folder.string() + ": its weights are not the ones the run store recorded "
                                     "(sha256 " + checkpoint.sha256.substr(0, 12) + "…)";
        const auto state = train::readTrainingState(folder);
        if (state.phase != checkpoint.phase || state.step != checkpoint.step)
            return folder.string() + ": holds " + state.phase + " step " +
                   std::to_string(state.step) + ", not the recorded " + checkpoint.phase +
                   " step " + std::to_string(checkpoint.step);
    } catch (const std::exception& e) {
        return std::string(e.what());
    }
    return std::nullopt;
}

ResumeChoice parseResumeStep(std::string_view text)
{
    ResumeChoice choice;
    const auto colon = text.find(':');
    if (colon != std::string_view::npos) {
        choice.phase = std::string(text.substr(0, colon));
        text.remove_prefix(colon + 1);
        if (choice.phase != "mle" && choice.phase != "cpo")
            throw Error("--from-step: unknown phase '" + choice.phase + "'; use N, mle:N or "
                        "cpo:N");
    }
    std::int64_t step = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), step);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || step < 1)
        throw Error("--from-step: expected a step number (N, mle:N or cpo:N), got '" +
                    std::string(text) + "'; `cpo runs show ID` lists the checkpoints");
    choice.step = step;
    return choice;
}

ResumePlan planResume(store::RunStore& store, std::int64_t runId,
                      const ResumeChoice& choice)
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

    const auto chosen = chooseCheckpoint(store.listCheckpoints(run->id), *run, choice);
    if (!chosen.record) {
        plan.description = "starts from the beginning (no checkpoint was recorded)";
        return plan;
    }
    const auto& latest = chosen.record;
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
    plan.description += chosen.passedOver;
    if (plan.point->phase == "cpo" && plan.config.mle) {
        const auto mle = store.latestCheckpoint(run->id, "mle");
        if (!mle || mle->step < plan.config.mle->steps)
            throw Error(describeRun(*run) + " has no checkpoint of its finished MLE phase, "
                                            "which the CPO phase starts from");
        if (const auto damage = choice.check(*mle))
            throw Error(describeRun(*run) + ": the MLE phase's last checkpoint, which the CPO "
                        "phase starts from, is damaged: " + *damage + ". Redo MLE from an "
                        "earlier checkpoint with --from-step mle:N");
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
