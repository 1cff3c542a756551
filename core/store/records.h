#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The value types that go in and out of the run store. Times are Unix milliseconds except
// MetricPoint::wallTime (Unix seconds, as TensorBoard and W&B export it); ids are SQLite
// rowids, 0 until stored.
namespace cpo::store {

enum class RunStatus { Queued, Running, Paused, Stopped, Finished, Failed, Cancelled };

// "queued", "running", ... as stored in runs.status. (Not toString: QTest finds that by ADL.)
std::string_view statusName(RunStatus status);
// Throws cpo::Error on a name that is not a status.
RunStatus statusFromName(std::string_view name);
// Stopped, finished, failed and cancelled runs have a finished_at time.
bool isTerminal(RunStatus status);

// Where a mirrored run comes from: its id in the store `db` on `host` (db "" for that
// machine's default store). A mirror is read-only: it cannot be resumed here.
struct RemoteOrigin {
    std::string host;
    std::int64_t runId = 0;
    std::string db;

    friend bool operator==(const RemoteOrigin&, const RemoteOrigin&) = default;
};

struct RunRecord {
    std::int64_t id = 0;
    std::string name;
    RunStatus status = RunStatus::Queued;
    std::string experimentJson; // exactly as given: exporting it re-runs the run
    std::string configHash;
    std::string appVersion;
    std::string gitRevision;
    std::string machineInfo;
    std::string deviceInfo;
    std::optional<std::int64_t> parentRunId; // the run this one resumes or was swept from
    std::vector<std::string> tags;
    std::string notes;
    std::optional<std::int64_t> ownerPid; // the process running it, while one does
    std::string ownerHost;
    std::optional<std::int64_t> heartbeat;
    std::string error; // why it failed; empty otherwise
    std::string runDir; // the run's folder (checkpoints, data); empty when not known
    std::int64_t createdAt = 0;
    std::optional<std::int64_t> finishedAt;
    std::optional<RemoteOrigin> remote; // set for a run mirrored from another machine
};

// One scalar of a series. NaN (a diverged loss) is stored and read back as NaN; -0.0 reads
// back as 0.0 (SQLite stores integral reals as integers).
struct MetricPoint {
    std::string phase;
    std::int64_t step = 0;
    std::string key;
    double value = 0.0;
    double wallTime = 0.0;
};

// One series ordered by step: the shape plots take.
struct Series {
    std::vector<std::int64_t> steps;
    std::vector<double> values;
};

enum class CandidateRole { GroundTruth, Negative };

// One of the K candidates of a sample set. Token ids and per-token log-probabilities are kept
// exactly (int32 / float32 BLOBs); empty log-prob vectors mean "not computed".
struct CandidateRecord {
    int idx = 0;
    CandidateRole role = CandidateRole::Negative;
    std::string strategy; // the negative sampler ("AN", "BN", "MN", "TN"); "" for the truth
    std::string text;
    std::vector<std::int32_t> tokenIds;
    std::vector<float> logpTheta;
    std::vector<float> logpRef;
    std::optional<double> reward;
    std::optional<double> similarity;
    std::optional<int> rank;
};

// The candidates drawn for one prompt at one step, in candidate order.
struct SampleSetRecord {
    std::int64_t id = 0;
    std::int64_t runId = 0;
    std::string phase;
    std::int64_t step = 0;
    std::string prompt;
    std::int64_t createdAt = 0;
    std::vector<CandidateRecord> candidates;
};

// One event a run reported: its place in the run's sequence (1, 2, ...) and the plain event
// codec's JSON text (engine/event_codec.h).
struct EventRecord {
    std::int64_t runId = 0;
    std::int64_t seq = 0;
    std::string json;
    std::int64_t createdAt = 0;
};

struct CheckpointRecord {
    std::int64_t id = 0;
    std::int64_t runId = 0;
    std::string phase;
    std::int64_t step = 0;
    std::string path;
    std::string sha256;
    std::int64_t createdAt = 0;
};

// A judge's verdict on one ordered pair, cached so the same question is never paid twice.
struct JudgmentRecord {
    std::int64_t id = 0;
    std::string judgeConfigHash;
    std::string promptHash;
    std::string pairHash;
    bool orderAb = true; // true: the pair's first text was shown as "A"
    std::string verdict;
    std::string rawAnswer;
    double latencyMs = 0.0;
    double cost = 0.0;
    std::int64_t createdAt = 0;
};

// How many rows RunStore::discardAfter dropped, per kind.
struct DiscardedRows {
    int metrics = 0;
    int sampleSets = 0;
    int alerts = 0;
    int checkpoints = 0;
};

struct AlertRecord {
    std::int64_t id = 0;
    std::int64_t runId = 0;
    std::string phase;
    std::int64_t step = 0;
    std::string kind;
    std::string message;
    std::int64_t createdAt = 0;
};

} // namespace cpo::store
