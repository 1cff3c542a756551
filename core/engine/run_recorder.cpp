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

} // namespace

std::int64_t createRunRow(store::RunStore& store, const ExperimentConfig& config,
                          const std::filesystem::path& runDir)
{
    return store.createRun(newRunRecord(config, runDir));
}

RunRecorder::RunRecorder(store::RunStore& store, std::int64_t runId)
    : m_store(store), m_runId(runId), m_rows(store, runId),
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
    m_rows.write(event);
    std::visit(
        [this](const auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, train::StepMetrics> ||
                          std::is_same_v<T, train::CpoStepMetrics>) {
                heartbeatIfDue();
            } else if constexpr (std::is_same_v<T, PauseChanged>) {
                m_rows.metrics().flush();
                m_store.updateRunStatus(m_runId, e.paused ? store::RunStatus::Paused
                                                          : store::RunStatus::Running);
                m_store.heartbeat(m_runId);
            } else if constexpr (std::is_same_v<T, train::CheckpointSaved>) {
                m_rows.metrics().flush(); // a checkpoint's metrics are on disk before its record
                m_store.recordCheckpoint({0, m_runId, m_rows.phase(), e.step, e.path.string(),
                                          model::recordedChecksum(e.path, "model.safetensors"),
                                          0});
                m_store.heartbeat(m_runId);
            }
        },
        event);
}

void RunRecorder::finish(const RunSummary& summary)
{
    // A full disk must not leave the row `running`: metrics that cannot be stored are dropped
    // (and said so), and the outcome is still stamped if the row's page has room for it.
    auto logger = log::get("run");
    std::string message = summary.outcome == RunOutcome::Finished ? "" : summary.message;
    try {
        m_rows.metrics().flush();
    } catch (const std::exception& e) {
        const auto lost = fmt::format("{} metric points could not be stored: {}",
                                      m_rows.metrics().pending(), e.what());
        logger->error("run {}: {}", m_runId, lost);
        m_rows.metrics().discard();
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
        m_store.updateRunStatus(m_runId, storedStatus(summary.outcome), message);
        m_store.clearOwner(m_runId);
    } catch (const std::exception& e) {
        logger->error("run {}: its outcome ({}) could not be recorded: {}; the run list shows "
                      "it abandoned once this process has exited",
                      m_runId, toString(summary.outcome), e.what());
    }
}

} // namespace cpo::engine
