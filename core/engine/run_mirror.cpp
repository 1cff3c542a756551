#include "engine/run_mirror.h"

#include "engine/event_codec.h"
#include "engine/run_owner.h"
#include "util/error.h"
#include "util/log.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <unistd.h>

namespace cpo::engine {
namespace {

std::string describe(const store::RemoteOrigin& origin)
{
    return "run " + std::to_string(origin.runId) + " of " + origin.host +
           (origin.db.empty() ? std::string() : ":" + origin.db);
}

store::RunRecord newMirrorRecord(const store::RemoteOrigin& origin)
{
    store::RunRecord run;
    run.name = origin.host + " #" + std::to_string(origin.runId);
    run.status = store::RunStatus::Running;
    // The events do not carry the experiment: the mirror shows what they do carry.
    run.experimentJson = "{}";
    run.machineInfo = origin.host;
    run.remote = origin;
    return run;
}

// The phase the mirrored events are in: that of the last phase_started already mirrored.
std::string mirroredPhase(store::RunStore& store, std::int64_t runId)
{
    std::string phase;
    std::int64_t seq = 0;
    for (auto events = store.readEvents(runId, seq); !events.empty();
         events = store.readEvents(runId, seq)) {
        for (const auto& record : events) {
            seq = record.seq;
            if (record.json.find("\"phase_started\"") == std::string::npos)
                continue;
            const auto json = nlohmann::json::parse(record.json, nullptr, false);
            if (json.is_object() && json.value("event", "") == "phase_started")
                phase = json.value("phase", "");
        }
    }
    return phase;
}

// The optimizer step an event reports, for those that add rows at a step.
std::optional<std::int64_t> stepOf(const RunEvent& event)
{
    if (const auto* step = std::get_if<train::StepMetrics>(&event))
        return step->step;
    if (const auto* step = std::get_if<train::CpoStepMetrics>(&event))
        return step->step;
    return std::nullopt;
}

} // namespace

void RunMirror::dropRedoneSteps(std::int64_t step)
{
    const auto& phase = m_rows->phase();
    auto last = m_lastStep.find(phase);
    if (last == m_lastStep.end()) {
        m_rows->metrics().flush();
        last = m_lastStep.emplace(phase, m_store.lastStep(m_runId, phase).value_or(0)).first;
    }
    if (step <= last->second) {
        m_rows->metrics().flush();
        m_store.discardAfter(m_runId, phase, step - 1);
    }
    last->second = step;
}

RunMirror::RunMirror(store::RunStore& store, const store::RemoteOrigin& origin)
    : m_store(store), m_origin(origin)
{
    const auto existing = m_store.findRemoteRun(origin);
    if (!existing)
        return; // made with the first event, so a command that fails leaves no empty row
    store::Transaction transaction(m_store.database());
    const auto run = m_store.getRun(*existing);
    if (run && isOwnedByLiveProcess(*run))
        throw Error(describe(origin) + " is mirrored already, into run " +
                    std::to_string(*existing) + ", by process " +
                    std::to_string(run->ownerPid.value_or(0)) + ": stop that follow first");
    m_lastSeq = m_store.lastEventSeq(*existing);
    if (run && store::isTerminal(run->status))
        m_ended = run->status;
    claim(*existing);
    transaction.commit();
    m_rows->setPhase(mirroredPhase(m_store, m_runId));
}

void RunMirror::claim(std::int64_t runId)
{
    m_runId = runId;
    m_store.setOwner(m_runId, ::getpid(), hostName());
    m_rows.emplace(m_store, m_runId);
}

RunMirror::~RunMirror()
{
    if (m_runId == 0)
        return;
    try {
        m_rows.reset(); // flushes what is left, if anything
        m_store.clearOwner(m_runId);
    } catch (const std::exception& e) {
        log::get("run")->error("mirror of {}: could not release run {}: {}",
                               describe(m_origin), m_runId, e.what());
    }
}

std::vector<RunEvent>
RunMirror::apply(std::span<const std::pair<std::int64_t, RunEvent>> events)
{
    std::vector<RunEvent> stored;
    std::vector<store::EventRecord> log;
    auto seq = m_lastSeq;
    auto ended = m_ended;
    if (m_runId == 0 && std::none_of(events.begin(), events.end(),
                                     [seq](const auto& event) { return event.first > seq; }))
        return stored;
    const bool created = m_runId == 0;
    try {
        store::Transaction transaction(m_store.database());
        if (created)
            claim(m_store.createRun(newMirrorRecord(m_origin)));
        for (const auto& [remoteSeq, event] : events) {
            if (remoteSeq <= seq)
                continue;
            if (remoteSeq != seq + 1)
                throw Error(describe(m_origin) + ": event " + std::to_string(remoteSeq) +
                            " came after " + std::to_string(seq) + " (events " +
                            std::to_string(seq + 1) + " to " + std::to_string(remoteSeq - 1) +
                            " are missing); follow it again to fill the gap");
            log.push_back({m_runId, remoteSeq, eventToJson(event).dump(), 0});
            if (const auto step = stepOf(event))
                dropRedoneSteps(*step);
            m_rows->write(event);
            if (const auto* pause = std::get_if<PauseChanged>(&event)) {
                m_store.updateRunStatus(m_runId, pause->paused ? store::RunStatus::Paused
                                                               : store::RunStatus::Running);
            } else if (const auto* finished = std::get_if<RunFinished>(&event)) {
                const auto& summary = finished->summary;
                ended = storedStatus(summary.outcome);
                m_store.updateRunStatus(
                    m_runId, *ended,
                    summary.outcome == RunOutcome::Finished ? "" : summary.message);
            }
            stored.push_back(event);
            seq = remoteSeq;
        }
        if (!log.empty())
            m_store.appendEvents(m_runId, log);
        m_rows->metrics().flush();
        transaction.commit();
    } catch (...) {
        // Rolled back: the points the writer handed to the transaction are gone with it,
        // and any left waiting must not be written after it.
        if (m_rows)
            m_rows->metrics().discard();
        if (created) { // the row was rolled back with the rest
            m_rows.reset();
            m_runId = 0;
        }
        throw;
    }
    m_lastSeq = seq;
    m_ended = ended;
    return stored;
}

} // namespace cpo::engine
