#pragma once

#include "store/evaluation_store.h"
#include "store/records.h"

#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The read side of the run store, as the run browser, the dashboards and `cpo runs` see it.
// No LibTorch in this header.
namespace cpo::engine {

// One row of the run browser: the run with what it says about itself, derived from its
// experiment and its series.
struct RunListEntry {
    std::int64_t id = 0;
    std::string name;
    store::RunStatus status = store::RunStatus::Queued;
    bool abandoned = false;             // left running by a process that died: resumable
    std::string sampler;                // the CPO phase's: "an" ... "mixn"; "" without CPO
    std::optional<double> beta;         // the CPO phase's β
    std::optional<std::int64_t> k;      // the CPO phase's candidates per prompt
    std::int64_t stepsDone = 0;         // optimizer steps recorded, every phase together
    std::optional<double> finalValLoss; // the last validation loss recorded (any phase)
    std::optional<double> cpoAccuracy;  // the last recorded CPO accuracy
    std::int64_t createdAt = 0;         // Unix ms
    std::optional<std::int64_t> finishedAt;
    std::vector<std::string> tags;
    std::string notes;
    std::string runDir;
    std::string configHash;
    std::optional<std::int64_t> parentRunId;
    std::string error; // why it failed; empty otherwise
    // A mirror of a run on another machine: read-only (no resume), only deletable.
    std::optional<store::RemoteOrigin> remote;
};

// A series' extent, for tables that list a run's series without reading them whole.
struct SeriesSummary {
    std::string key;
    std::size_t points = 0;
    std::int64_t lastStep = 0;
    double lastValue = 0.0; // NaN when the last point was not finite
};

// One run as `cpo runs show` and a run's detail view present it, read in one snapshot.
struct RunDetails {
    store::RunRecord run;
    std::vector<SeriesSummary> series; // by key
    std::optional<store::CheckpointRecord> latestCheckpoint;
    std::vector<store::AlertRecord> alerts;
};

// Throws cpo::Error when there is no run store at `db` yet, saying that the first run makes
// one. (SQLite's own message does not, and a read-write open would create an empty store.)
void requireRunStore(const std::filesystem::path& db);

// One read-only connection to a run store, on the thread that made the catalog; it never
// blocks a writer. Edits (tags, notes) go through a short-lived connection of their own.
// Throws cpo::Error naming the file when there is no store there yet.
class RunCatalog {
public:
    explicit RunCatalog(std::filesystem::path db);
    ~RunCatalog();
    RunCatalog(RunCatalog&&) noexcept;
    RunCatalog& operator=(RunCatalog&&) noexcept;

    std::vector<RunListEntry> runs(); // newest first
    std::optional<store::RunRecord> run(std::int64_t id);
    // The run or cpo::Error naming the id and the store.
    store::RunRecord requireRun(std::int64_t id);
    // Throws cpo::Error naming the id and the store when there is no such run.
    RunDetails details(std::int64_t id);
    std::vector<std::string> seriesKeys(std::int64_t id); // "mle/loss", "cpo/accuracy", ...
    // Steps after `afterStep` (all by default; pass the last step read to poll a live run).
    store::Series series(std::int64_t id, std::string_view key,
                         std::int64_t afterStep = std::numeric_limits<std::int64_t>::min());
    std::vector<SeriesSummary> seriesSummaries(std::int64_t id); // by key
    std::vector<store::SampleSetRecord> sampleSets(std::int64_t id); // by step
    std::vector<store::CheckpointRecord> checkpoints(std::int64_t id); // by step
    std::optional<store::CheckpointRecord> latestCheckpoint(std::int64_t id);
    std::vector<store::AlertRecord> alerts(std::int64_t id); // by step
    // PRAGMA data_version: changes whenever another connection committed, so a view polls
    // this cheaply and rereads only then.
    std::int64_t dataVersion();

    // Exports (store/export.h): the metrics in long CSV form or as JSON, and the experiment
    // exactly as it was run.
    void exportMetricsCsv(std::int64_t id, const std::filesystem::path& file);
    void exportMetricsJson(std::int64_t id, const std::filesystem::path& file);
    void exportExperiment(std::int64_t id, const std::filesystem::path& file);

    // The run when it may be deleted; throws cpo::Error naming it when there is no such run or
    // a live process is running it.
    store::RunRecord requireDeletable(std::int64_t id);
    // Deletes the run with its metrics, samples and alerts (checkpoint files stay on disk),
    // checking again, in the same write transaction, that no process claimed it meanwhile.
    void deleteRun(std::int64_t id);

    void setTags(std::int64_t id, std::vector<std::string> tags);
    void setNotes(std::int64_t id, std::string notes);

    const std::filesystem::path& database() const;

    // Evaluations, their generations and votes, α sweeps (run_catalog_eval.cpp): what the
    // judging and α-sweep views read, each through a short-lived read-only connection.
    std::vector<store::EvaluationRecord> evaluations(std::int64_t runId); // by step, then id
    std::vector<store::GenerationRecord> generations(std::int64_t evaluationId); // by id
    std::vector<store::HumanVoteRecord> humanVotes(std::int64_t evaluationId);   // by id
    std::vector<store::AlphaSweepRecord> alphaSweeps(std::int64_t runId);        // by id
    // A blind vote, and its undo, through a short-lived read-write connection.
    std::int64_t addHumanVote(const store::HumanVoteRecord& vote);
    void removeHumanVote(std::int64_t voteId);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace cpo::engine
