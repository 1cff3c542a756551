#pragma once

#include "store/database.h"
#include "store/records.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cpo::store {

// The typed API over one connection to a run store file. Like its connection it belongs to
// one thread: the engine owns the process's only read-write RunStore; the GUI and CLI open
// read-only ones (each on the thread that uses it). Opening read-write creates the file and
// migrates it; opening read-only only checks that this build can read it. Every failure
// throws cpo::Error naming the file.
class RunStore {
public:
    explicit RunStore(const std::filesystem::path& file, OpenMode mode = OpenMode::ReadWrite);

    Database& database() { return m_db; }

    // Runs. createRun ignores run.id, stamps createdAt when it is 0 and returns the new id.
    std::int64_t createRun(const RunRecord& run);
    // Sets the status and error (empty clears it); a terminal status stamps finished_at, any
    // other clears it (a resumed run is unfinished again). Throws on an unknown run.
    void updateRunStatus(std::int64_t runId, RunStatus status, std::string_view error = {});
    // Claims the run for a process and stamps its heartbeat; clearOwner releases it. A run
    // left `running` with an owner whose heartbeat is stale was abandoned by a dead process.
    void setOwner(std::int64_t runId, std::int64_t pid, std::string_view host);
    void clearOwner(std::int64_t runId);
    void heartbeat(std::int64_t runId);
    // What a person says about a run; throw on an unknown run.
    void setTags(std::int64_t runId, const std::vector<std::string>& tags);
    void setNotes(std::int64_t runId, std::string_view notes);
    std::vector<RunRecord> listRuns(); // newest first
    std::optional<RunRecord> getRun(std::int64_t runId);
    // The run that mirrors `origin` (the first, should there be several), if any.
    std::optional<std::int64_t> findRemoteRun(const RemoteOrigin& origin);
    // Deletes the run with its metrics, samples, checkpoint records, evaluations and alerts;
    // runs resumed from it keep existing, without a parent. False when there was no such run.
    bool deleteRun(std::int64_t runId);

    // Metrics, in one transaction. A (key, step) a run already has is an error: a resumed run
    // calls discardAfter first. MetricWriter batches calls to this.
    void appendMetrics(std::int64_t runId, std::span<const MetricPoint> points);
    // Steps after `afterStep` (all by default; pass the last step read to poll a live run).
    // One statement, so one consistent snapshot even while the writer commits.
    Series readSeries(std::int64_t runId, std::string_view key,
                      std::int64_t afterStep = std::numeric_limits<std::int64_t>::min());
    std::vector<std::string> seriesKeys(std::int64_t runId); // sorted
    // A series' last point (one index seek), or none when it has no points.
    std::optional<MetricPoint> lastPoint(std::int64_t runId, std::string_view key);
    // Every point of a run, by key then step, without holding them all in memory (exports).
    void visitMetrics(std::int64_t runId, const std::function<void(const MetricPoint&)>& visit);
    // The last step recorded in a phase: where a resumed run's metrics end. This and
    // discardAfter scan all of the run's points (~0.1 s per million): for resume only.
    std::optional<std::int64_t> lastStep(std::int64_t runId, std::string_view phase);
    // Drops what a phase logged after `step` (metrics, sample sets, alerts, checkpoint
    // records), in one transaction: what a run resumed from its checkpoint at `step` will log
    // again. Pass std::numeric_limits<std::int64_t>::min() to drop the whole phase.
    DiscardedRows discardAfter(std::int64_t runId, std::string_view phase, std::int64_t step);

    std::int64_t recordCheckpoint(const CheckpointRecord& checkpoint);
    // The last checkpoint recorded for the run, or for one of its phases.
    std::optional<CheckpointRecord> latestCheckpoint(std::int64_t runId,
                                                     std::optional<std::string_view> phase = {});
    std::vector<CheckpointRecord> listCheckpoints(std::int64_t runId); // in the order recorded

    // A sample set with its candidates, in one transaction; returns the set's id.
    std::int64_t insertSampleSet(const SampleSetRecord& set);
    std::vector<SampleSetRecord> readSampleSets(std::int64_t runId); // by step, then id

    // False, and no second row, when a judgment with the same (judge config, prompt, pair,
    // order) exists: the first verdict stands.
    [[nodiscard]] bool insertJudgment(const JudgmentRecord& judgment);
    std::optional<JudgmentRecord> findJudgment(std::string_view judgeConfigHash,
                                               std::string_view promptHash,
                                               std::string_view pairHash, bool orderAb);

    // The run's event log, in one transaction; a seq the run already has is an error.
    void appendEvents(std::int64_t runId, std::span<const EventRecord> events);
    // Events with seq > afterSeq, in order, at most `limit` (one statement: one snapshot).
    std::vector<EventRecord> readEvents(std::int64_t runId, std::int64_t afterSeq,
                                        std::size_t limit = 1000);
    // The last seq the run logged, 0 when none.
    std::int64_t lastEventSeq(std::int64_t runId);

    std::int64_t recordAlert(const AlertRecord& alert);
    std::vector<AlertRecord> listAlerts(std::int64_t runId); // by step, then id

private:
    void requireChanged(std::int64_t runId);

    Database m_db;
};

} // namespace cpo::store
