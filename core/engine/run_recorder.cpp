#include "engine/run_recorder.h"

#include "engine/event_codec.h"
#include "engine/run_owner.h"
#include "model/checksums.h"
#include "util/log.h"
#include "util/version.h"

#include <fmt/format.h>
#include <unistd.h>

#include <thread>

namespace cpo::engine {
namespace {

double unixSeconds()
{
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

store::RunRecord newRunRecord(const ExperimentConfig& config, const std::filesystem::path& runDir)
{
    store::RunRecord run;
    run.name = config.name;
    run.status = store::RunStatus::Queued;
    run.runDir = std::filesystem::absolute(runDir).string();
    run.experimentJson = toJson(config).dump(2);
    run.configHash = configHash(config);
    run.appVersion = std::string(versionString());
    run.gitRevision = std::string(gitRevision());
    run.machineInfo = hostName() + ", " + std::to_string(std::thread::hardware_concurrency()) +
                      " hardware threads";
    run.deviceInfo = config.device;
    return run;
}

store::RunStatus statusOf(RunOutcome outcome)
{
    switch (outcome) {
    case RunOutcome::Finished:
        return store::RunStatus::Finished;
    case RunOutcome::Stopped:
        return store::RunStatus::Stopped;
    case RunOutcome::Cancelled:
        return store::RunStatus::Cancelled;
    case RunOutcome::Failed:
        break;
    }
    return store::RunStatus::Failed;
}

} // namespace

std::int64_t createRunRow(store::RunStore& store, const ExperimentConfig& config,
                          const std::filesystem::path& runDir)
{
    return store.createRun(newRunRecord(config, runDir));
}

RunRecorder::RunRecorder(store::RunStore& store, std::int64_t runId)
    : m_store(store), m_runId(runId), m_metrics(store, m_runId),
      m_nextSeq(store.lastEventSeq(runId) + 1), m_lastHeartbeat(std::chrono::steady_clock::now())
{
    m_store.updateRunStatus(m_runId, store::RunStatus::Running);
    m_store.setOwner(m_runId, ::getpid(), hostName());
}

void RunRecorder::heartbeatIfDue()
{
    const auto now = std::chrono::steady_clock::now();
    if (now - m_lastHeartbeat < kHeartbeatInterval)
        return;
    m_store.heartbeat(m_runId);
    m_lastHeartbeat = now;
}

void RunRecorder::metric(const std::string& key, std::int64_t step, double value)
{
    m_metrics.append({m_phase, step, m_phase + "/" + key, value, unixSeconds()});
}

void RunRecorder::logEvent(const RunEvent& event)
{
    const auto now = std::chrono::steady_clock::now();
    if (m_events.empty())
        m_oldestEvent = now;
    m_events.push_back({m_runId, m_nextSeq++, eventToJson(event).dump(), 0});
    const bool step = std::holds_alternative<train::StepMetrics>(event) ||
                      std::holds_alternative<train::CpoStepMetrics>(event);
    constexpr std::size_t kBatchEvents = 256;
    constexpr auto kMaxDelay = std::chrono::milliseconds(250);
    if (!step || m_events.size() >= kBatchEvents || now - m_oldestEvent >= kMaxDelay)
        flushEvents();
}

void RunRecorder::flushEvents()
{
    if (m_events.empty())
        return;
    m_store.appendEvents(m_runId, m_events);
    m_events.clear();
}

void RunRecorder::record(const RunEvent& event)
{
    logEvent(event);
    std::visit(
        [this](const auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, PhaseStarted>) {
                m_phase = e.phase;
            } else if constexpr (std::is_same_v<T, train::StepMetrics>) {
                heartbeatIfDue();
                metric("loss", e.step, e.loss);
                metric("lr", e.step, e.lr);
                metric("grad_norm", e.step, e.gradNorm);
                metric("tokens_per_s", e.step, e.tokensPerSecond);
            } else if constexpr (std::is_same_v<T, train::CpoStepMetrics>) {
                heartbeatIfDue();
                recordCpoStep(e);
            } else if constexpr (std::is_same_v<T, PauseChanged>) {
                m_metrics.flush();
                m_store.updateRunStatus(m_runId, e.paused ? store::RunStatus::Paused
                                                          : store::RunStatus::Running);
                m_store.heartbeat(m_runId);
            } else if constexpr (std::is_same_v<T, DecodedSampleSet>) {
                recordSampleSet(e);
            } else if constexpr (std::is_same_v<T, train::ValidationMetrics>) {
                metric("val_loss", e.step, e.loss);
                metric("val_perplexity", e.step, e.perplexity);
            } else if constexpr (std::is_same_v<T, train::CheckpointSaved>) {
                m_metrics.flush(); // a checkpoint's metrics are on disk before its record
                m_store.recordCheckpoint({0, m_runId, m_phase, e.step, e.path.string(),
                                          model::recordedChecksum(e.path, "model.safetensors"),
                                          0});
                m_store.heartbeat(m_runId);
            } else if constexpr (std::is_same_v<T, Alert>) {
                m_store.recordAlert({0, m_runId, m_phase, e.step, e.kind, e.message, 0});
            }
        },
        event);
}

void RunRecorder::recordCpoStep(const train::CpoStepMetrics& e)
{
    for (const auto& [key, value] : train::namedValues(e))
        metric(std::string(key), e.step, value);
    for (std::size_t i = 0; i < e.strategies.size(); ++i) {
        const auto& strategy = e.strategies[i];
        if (strategy.negatives == 0)
            continue;
        const std::string name(
            train::negatives::toString(static_cast<train::negatives::Strategy>(i)));
        metric(name + "/reward", e.step, strategy.reward);
        metric(name + "/negatives", e.step, static_cast<double>(strategy.negatives));
        metric(name + "/redraws", e.step, static_cast<double>(strategy.redraws));
    }
}

void RunRecorder::recordSampleSet(const DecodedSampleSet& decoded)
{
    store::SampleSetRecord record;
    record.runId = m_runId;
    record.phase = m_phase;
    record.step = decoded.set.step;
    record.prompt = decoded.prompt;
    for (std::size_t i = 0; i < decoded.set.candidates.size(); ++i) {
        const auto& candidate = decoded.set.candidates[i];
        store::CandidateRecord out;
        out.idx = static_cast<int>(i);
        out.role = candidate.strategy ? store::CandidateRole::Negative
                                      : store::CandidateRole::GroundTruth;
        if (candidate.strategy)
            out.strategy = train::negatives::toString(*candidate.strategy);
        out.text = decoded.candidates[i];
        out.tokenIds.assign(candidate.tokens.begin(), candidate.tokens.end());
        out.logpTheta = candidate.policyLogProbs;
        out.logpRef = candidate.referenceLogProbs;
        out.reward = candidate.reward;
        out.similarity = candidate.similarity;
        out.rank = static_cast<int>(candidate.rank);
        record.candidates.push_back(std::move(out));
    }
    m_store.insertSampleSet(record);
}

void RunRecorder::finish(const RunSummary& summary)
{
    // A full disk must not leave the row `running`: metrics that cannot be stored are dropped
    // (and said so), and the outcome is still stamped if the row's page has room for it.
    auto logger = log::get("run");
    std::string message = summary.outcome == RunOutcome::Finished ? "" : summary.message;
    try {
        m_metrics.flush();
    } catch (const std::exception& e) {
        const auto lost = fmt::format("{} metric points could not be stored: {}",
                                      m_metrics.pending(), e.what());
        logger->error("run {}: {}", m_runId, lost);
        m_metrics.discard();
        message += (message.empty() ? "" : "; ") + lost;
    }
    // The log's last event is the outcome; it is written before the status, so a follower
    // that sees the run ended has every event to read.
    try {
        m_events.push_back({m_runId, m_nextSeq++, eventToJson(RunFinished{summary}).dump(), 0});
        flushEvents();
    } catch (const std::exception& e) {
        logger->error("run {}: its last events could not be logged: {}", m_runId, e.what());
        m_events.clear();
    }
    try {
        m_store.updateRunStatus(m_runId, statusOf(summary.outcome), message);
        m_store.clearOwner(m_runId);
    } catch (const std::exception& e) {
        logger->error("run {}: its outcome ({}) could not be recorded: {}; the run list shows "
                      "it abandoned once this process has exited",
                      m_runId, toString(summary.outcome), e.what());
    }
}

} // namespace cpo::engine
