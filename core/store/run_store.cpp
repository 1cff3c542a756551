#include "store/run_store.h"

#include "store/schema.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <unordered_map>

namespace cpo::store {
namespace {

constexpr char kInsertRunSql[] =
    "INSERT INTO runs (name, status, experiment_json, config_hash, app_version, git_revision, "
    "machine_info, device_info, parent_run_id, tags, notes, owner_pid, owner_host, heartbeat, "
    "error, created_at, finished_at, run_dir) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kSelectRunsSql[] =
    "SELECT id, name, status, experiment_json, config_hash, app_version, git_revision, "
    "machine_info, device_info, parent_run_id, tags, notes, owner_pid, owner_host, heartbeat, "
    "error, created_at, finished_at, run_dir FROM runs ORDER BY created_at DESC, id DESC";
constexpr char kSelectRunSql[] =
    "SELECT id, name, status, experiment_json, config_hash, app_version, git_revision, "
    "machine_info, device_info, parent_run_id, tags, notes, owner_pid, owner_host, heartbeat, "
    "error, created_at, finished_at, run_dir FROM runs WHERE id = ?";
constexpr char kUpdateRunStatusSql[] =
    "UPDATE runs SET status = ?, error = ?, finished_at = ? WHERE id = ?";
constexpr char kUpdateRunOwnerSql[] =
    "UPDATE runs SET owner_pid = ?, owner_host = ?, heartbeat = ? WHERE id = ?";
constexpr char kClearRunOwnerSql[] =
    "UPDATE runs SET owner_pid = NULL, owner_host = NULL WHERE id = ?";
constexpr char kUpdateRunHeartbeatSql[] = "UPDATE runs SET heartbeat = ? WHERE id = ?";
constexpr char kDeleteRunSql[] = "DELETE FROM runs WHERE id = ?";

constexpr char kInsertMetricSql[] =
    "INSERT INTO metrics (run_id, key, step, phase, value, wall_time) VALUES (?, ?, ?, ?, ?, ?)";
constexpr char kSelectSeriesSql[] =
    "SELECT step, value FROM metrics WHERE run_id = ? AND key = ? AND step > ? ORDER BY step";
// A loose index scan: each key is found by one seek on the (run_id, key, step) primary key,
// instead of DISTINCT walking every point of the run.
constexpr char kSelectSeriesKeysSql[] =
    "WITH RECURSIVE keys (key) AS ("
    " SELECT MIN(key) FROM metrics WHERE run_id = ?"
    " UNION ALL"
    " SELECT (SELECT MIN(key) FROM metrics WHERE run_id = ? AND key > keys.key)"
    " FROM keys WHERE keys.key IS NOT NULL)"
    " SELECT key FROM keys WHERE key IS NOT NULL ORDER BY key";
constexpr char kSelectMetricsSql[] =
    "SELECT phase, step, key, value, wall_time FROM metrics WHERE run_id = ? "
    "ORDER BY key, step";
constexpr char kSelectLastStepSql[] =
    "SELECT MAX(step) FROM metrics WHERE run_id = ? AND phase = ?";
// What a resumed run will log again: a phase's rows after the checkpoint it resumes from.
constexpr char kDeleteMetricsAfterSql[] =
    "DELETE FROM metrics WHERE run_id = ? AND phase = ? AND step > ?";
constexpr char kDeleteSampleSetsAfterSql[] =
    "DELETE FROM sample_sets WHERE run_id = ? AND phase = ? AND step > ?";
constexpr char kDeleteAlertsAfterSql[] =
    "DELETE FROM alerts WHERE run_id = ? AND phase = ? AND step > ?";
constexpr char kDeleteCheckpointsAfterSql[] =
    "DELETE FROM checkpoints WHERE run_id = ? AND phase = ? AND step > ?";

constexpr char kInsertCheckpointSql[] =
    "INSERT INTO checkpoints (run_id, phase, step, path, sha256, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?)";
constexpr char kSelectLatestCheckpointSql[] =
    "SELECT id, run_id, phase, step, path, sha256, created_at FROM checkpoints "
    "WHERE run_id = ? ORDER BY id DESC LIMIT 1";
constexpr char kSelectLatestPhaseCheckpointSql[] =
    "SELECT id, run_id, phase, step, path, sha256, created_at FROM checkpoints "
    "WHERE run_id = ? AND phase = ? ORDER BY id DESC LIMIT 1";

constexpr char kInsertSampleSetSql[] =
    "INSERT INTO sample_sets (run_id, phase, step, prompt, created_at) VALUES (?, ?, ?, ?, ?)";
constexpr char kInsertCandidateSql[] =
    "INSERT INTO candidates (sample_set_id, idx, role, strategy, text, token_ids, logp_theta, "
    "logp_ref, reward, similarity, rank) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kSelectSampleSetsSql[] =
    "SELECT id, run_id, phase, step, prompt, created_at FROM sample_sets WHERE run_id = ? "
    "ORDER BY step, id";
constexpr char kSelectCandidatesSql[] =
    "SELECT c.sample_set_id, c.idx, c.role, c.strategy, c.text, c.token_ids, c.logp_theta, "
    "c.logp_ref, c.reward, c.similarity, c.rank FROM candidates AS c "
    "JOIN sample_sets AS s ON s.id = c.sample_set_id WHERE s.run_id = ? "
    "ORDER BY s.step, s.id, c.idx";

constexpr char kInsertJudgmentSql[] =
    "INSERT INTO judgments (judge_config_hash, prompt_hash, pair_hash, order_ab, verdict, "
    "raw_answer, latency_ms, cost, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (judge_config_hash, prompt_hash, pair_hash, order_ab) DO NOTHING";
constexpr char kSelectJudgmentSql[] =
    "SELECT id, judge_config_hash, prompt_hash, pair_hash, order_ab, verdict, raw_answer, "
    "latency_ms, cost, created_at FROM judgments WHERE judge_config_hash = ? "
    "AND prompt_hash = ? AND pair_hash = ? AND order_ab = ?";

constexpr char kInsertAlertSql[] =
    "INSERT INTO alerts (run_id, phase, step, kind, message, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?)";
constexpr char kSelectAlertsSql[] =
    "SELECT id, run_id, phase, step, kind, message, created_at FROM alerts WHERE run_id = ? "
    "ORDER BY step, id";

// Token ids and log-probs are stored as raw little-endian int32 / float32 arrays, the layout
// numpy.frombuffer(..., "<i4" / "<f4") reads. A big-endian port would swap bytes here.
static_assert(std::endian::native == std::endian::little);

std::int64_t nowMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t stampOrNow(std::int64_t time) { return time != 0 ? time : nowMs(); }

template <typename T>
std::span<const std::byte> asBlob(const std::vector<T>& values)
{
    return std::as_bytes(std::span(values));
}

template <typename T>
std::vector<T> fromBlob(std::span<const std::byte> blob, const Database& db, const char* column)
{
    if (blob.size() % sizeof(T) != 0)
        throw Error("run store " + db.file() + ": candidates." + column + " holds "
                    + std::to_string(blob.size()) + " bytes, not a whole number of elements");
    std::vector<T> values(blob.size() / sizeof(T));
    if (!blob.empty())
        std::memcpy(values.data(), blob.data(), blob.size());
    return values;
}

// Empty strings and vectors, and absent optionals, are NULL in the file.
void bindTextOrNull(Statement& statement, int index, std::string_view text)
{
    if (text.empty())
        statement.bindNull(index);
    else
        statement.bindText(index, text);
}

template <typename T>
void bindBlobOrNull(Statement& statement, int index, const std::vector<T>& values)
{
    if (values.empty())
        statement.bindNull(index);
    else
        statement.bindBlob(index, asBlob(values));
}

void bindOptional(Statement& statement, int index, const std::optional<std::int64_t>& value)
{
    if (value)
        statement.bindInt64(index, *value);
    else
        statement.bindNull(index);
}

void bindOptional(Statement& statement, int index, const std::optional<double>& value)
{
    if (value)
        statement.bindDouble(index, *value);
    else
        statement.bindNull(index);
}

std::optional<std::int64_t> optionalInt64(const Statement& statement, int column)
{
    if (statement.isNull(column))
        return std::nullopt;
    return statement.columnInt64(column);
}

std::optional<double> optionalDouble(const Statement& statement, int column)
{
    if (statement.isNull(column))
        return std::nullopt;
    return statement.columnDouble(column);
}

double doubleOrNan(const Statement& statement, int column)
{
    return statement.isNull(column) ? std::nan("") : statement.columnDouble(column);
}

std::string tagsToJson(const std::vector<std::string>& tags)
{
    return nlohmann::json(tags).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> tagsFromJson(const std::string& text, const Database& db,
                                      std::int64_t runId)
{
    const auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!json.is_array() || !std::all_of(json.begin(), json.end(), [](const auto& tag) {
            return tag.is_string();
        }))
        throw Error("run store " + db.file() + ": run " + std::to_string(runId)
                    + " has tags that are not a JSON array of strings: " + text);
    return json.get<std::vector<std::string>>();
}

RunRecord readRun(const Statement& row, const Database& db)
{
    RunRecord run;
    run.id = row.columnInt64(0);
    run.name = row.columnText(1);
    run.status = statusFromName(row.columnText(2));
    run.experimentJson = row.columnText(3);
    run.configHash = row.columnText(4);
    run.appVersion = row.columnText(5);
    run.gitRevision = row.columnText(6);
    run.machineInfo = row.columnText(7);
    run.deviceInfo = row.columnText(8);
    run.parentRunId = optionalInt64(row, 9);
    run.tags = tagsFromJson(row.columnText(10), db, run.id);
    run.notes = row.columnText(11);
    run.ownerPid = optionalInt64(row, 12);
    run.ownerHost = row.columnText(13);
    run.heartbeat = optionalInt64(row, 14);
    run.error = row.columnText(15);
    run.createdAt = row.columnInt64(16);
    run.finishedAt = optionalInt64(row, 17);
    run.runDir = row.columnText(18);
    return run;
}

std::string_view roleName(CandidateRole role)
{
    return role == CandidateRole::GroundTruth ? "ground_truth" : "negative";
}

CandidateRecord readCandidate(const Statement& row, const Database& db)
{
    CandidateRecord candidate;
    candidate.idx = static_cast<int>(row.columnInt64(1));
    candidate.role = row.columnText(2) == "ground_truth" ? CandidateRole::GroundTruth
                                                         : CandidateRole::Negative;
    candidate.strategy = row.columnText(3);
    candidate.text = row.columnText(4);
    candidate.tokenIds = fromBlob<std::int32_t>(row.columnBlob(5), db, "token_ids");
    candidate.logpTheta = fromBlob<float>(row.columnBlob(6), db, "logp_theta");
    candidate.logpRef = fromBlob<float>(row.columnBlob(7), db, "logp_ref");
    candidate.reward = optionalDouble(row, 8);
    candidate.similarity = optionalDouble(row, 9);
    if (const auto rank = optionalInt64(row, 10))
        candidate.rank = static_cast<int>(*rank);
    return candidate;
}

} // namespace

RunStore::RunStore(const std::filesystem::path& file, OpenMode mode)
    : m_db(file, mode)
{
    if (mode == OpenMode::ReadWrite)
        migrate(m_db);
    else
        checkReadable(m_db);
}

void RunStore::requireChanged(std::int64_t runId)
{
    if (m_db.changes() == 0)
        throw Error("run store " + m_db.file() + ": no run with id " + std::to_string(runId));
}

std::int64_t RunStore::createRun(const RunRecord& run)
{
    Statement insert(m_db, kInsertRunSql);
    insert.bindText(1, run.name);
    insert.bindText(2, statusName(run.status));
    insert.bindText(3, run.experimentJson);
    insert.bindText(4, run.configHash);
    insert.bindText(5, run.appVersion);
    insert.bindText(6, run.gitRevision);
    insert.bindText(7, run.machineInfo);
    insert.bindText(8, run.deviceInfo);
    bindOptional(insert, 9, run.parentRunId);
    insert.bindText(10, tagsToJson(run.tags));
    insert.bindText(11, run.notes);
    bindOptional(insert, 12, run.ownerPid);
    bindTextOrNull(insert, 13, run.ownerHost);
    bindOptional(insert, 14, run.heartbeat);
    bindTextOrNull(insert, 15, run.error);
    insert.bindInt64(16, stampOrNow(run.createdAt));
    bindOptional(insert, 17, run.finishedAt);
    bindTextOrNull(insert, 18, run.runDir);
    insert.run();
    return m_db.lastInsertRowId();
}

void RunStore::updateRunStatus(std::int64_t runId, RunStatus status, std::string_view error)
{
    Statement update(m_db, kUpdateRunStatusSql);
    update.bindText(1, statusName(status));
    bindTextOrNull(update, 2, error);
    bindOptional(update, 3, isTerminal(status) ? std::optional(nowMs()) : std::nullopt);
    update.bindInt64(4, runId);
    update.run();
    requireChanged(runId);
}

void RunStore::setOwner(std::int64_t runId, std::int64_t pid, std::string_view host)
{
    Statement update(m_db, kUpdateRunOwnerSql);
    update.bindInt64(1, pid);
    bindTextOrNull(update, 2, host);
    update.bindInt64(3, nowMs());
    update.bindInt64(4, runId);
    update.run();
    requireChanged(runId);
}

void RunStore::clearOwner(std::int64_t runId)
{
    Statement update(m_db, kClearRunOwnerSql);
    update.bindInt64(1, runId);
    update.run();
    requireChanged(runId);
}

void RunStore::heartbeat(std::int64_t runId)
{
    Statement update(m_db, kUpdateRunHeartbeatSql);
    update.bindInt64(1, nowMs());
    update.bindInt64(2, runId);
    update.run();
    requireChanged(runId);
}

std::vector<RunRecord> RunStore::listRuns()
{
    Statement select(m_db, kSelectRunsSql);
    std::vector<RunRecord> runs;
    while (select.step())
        runs.push_back(readRun(select, m_db));
    return runs;
}

std::optional<RunRecord> RunStore::getRun(std::int64_t runId)
{
    Statement select(m_db, kSelectRunSql);
    select.bindInt64(1, runId);
    if (!select.step())
        return std::nullopt;
    return readRun(select, m_db);
}

bool RunStore::deleteRun(std::int64_t runId)
{
    Statement remove(m_db, kDeleteRunSql);
    remove.bindInt64(1, runId);
    remove.run();
    return m_db.changes() > 0;
}

void RunStore::appendMetrics(std::int64_t runId, std::span<const MetricPoint> points)
{
    if (points.empty())
        return;
    Transaction transaction(m_db);
    Statement insert(m_db, kInsertMetricSql);
    for (const MetricPoint& point : points) {
        insert.bindInt64(1, runId);
        insert.bindText(2, point.key);
        insert.bindInt64(3, point.step);
        insert.bindText(4, point.phase);
        if (std::isnan(point.value))
            insert.bindNull(5);
        else
            insert.bindDouble(5, point.value);
        insert.bindDouble(6, point.wallTime);
        insert.run();
        insert.reset();
    }
    transaction.commit();
}

Series RunStore::readSeries(std::int64_t runId, std::string_view key, std::int64_t afterStep)
{
    Statement select(m_db, kSelectSeriesSql);
    select.bindInt64(1, runId);
    select.bindText(2, key);
    select.bindInt64(3, afterStep);
    Series series;
    while (select.step()) {
        series.steps.push_back(select.columnInt64(0));
        series.values.push_back(doubleOrNan(select, 1));
    }
    return series;
}

std::vector<std::string> RunStore::seriesKeys(std::int64_t runId)
{
    Statement select(m_db, kSelectSeriesKeysSql);
    select.bindInt64(1, runId);
    select.bindInt64(2, runId);
    std::vector<std::string> keys;
    while (select.step())
        keys.push_back(select.columnText(0));
    return keys;
}

void RunStore::visitMetrics(std::int64_t runId,
                            const std::function<void(const MetricPoint&)>& visit)
{
    Statement select(m_db, kSelectMetricsSql);
    select.bindInt64(1, runId);
    MetricPoint point;
    while (select.step()) {
        point.phase = select.columnText(0);
        point.step = select.columnInt64(1);
        point.key = select.columnText(2);
        point.value = doubleOrNan(select, 3);
        point.wallTime = select.columnDouble(4);
        visit(point);
    }
}

std::optional<std::int64_t> RunStore::lastStep(std::int64_t runId, std::string_view phase)
{
    Statement select(m_db, kSelectLastStepSql);
    select.bindInt64(1, runId);
    select.bindText(2, phase);
    return select.step() ? optionalInt64(select, 0) : std::nullopt;
}

DiscardedRows RunStore::discardAfter(std::int64_t runId, std::string_view phase,
                                   std::int64_t step)
{
    Transaction transaction(m_db);
    const auto remove = [&](const char* sql) {
        Statement statement(m_db, sql);
        statement.bindInt64(1, runId);
        statement.bindText(2, phase);
        statement.bindInt64(3, step);
        statement.run();
        return m_db.changes();
    };
    DiscardedRows dropped;
    dropped.metrics = remove(kDeleteMetricsAfterSql);
    dropped.sampleSets = remove(kDeleteSampleSetsAfterSql);
    dropped.alerts = remove(kDeleteAlertsAfterSql);
    dropped.checkpoints = remove(kDeleteCheckpointsAfterSql);
    transaction.commit();
    return dropped;
}

std::int64_t RunStore::recordCheckpoint(const CheckpointRecord& checkpoint)
{
    Statement insert(m_db, kInsertCheckpointSql);
    insert.bindInt64(1, checkpoint.runId);
    insert.bindText(2, checkpoint.phase);
    insert.bindInt64(3, checkpoint.step);
    insert.bindText(4, checkpoint.path);
    insert.bindText(5, checkpoint.sha256);
    insert.bindInt64(6, stampOrNow(checkpoint.createdAt));
    insert.run();
    return m_db.lastInsertRowId();
}

std::optional<CheckpointRecord> RunStore::latestCheckpoint(std::int64_t runId,
                                                           std::optional<std::string_view> phase)
{
    Statement select(m_db, phase ? kSelectLatestPhaseCheckpointSql : kSelectLatestCheckpointSql);
    select.bindInt64(1, runId);
    if (phase)
        select.bindText(2, *phase);
    if (!select.step())
        return std::nullopt;
    CheckpointRecord checkpoint;
    checkpoint.id = select.columnInt64(0);
    checkpoint.runId = select.columnInt64(1);
    checkpoint.phase = select.columnText(2);
    checkpoint.step = select.columnInt64(3);
    checkpoint.path = select.columnText(4);
    checkpoint.sha256 = select.columnText(5);
    checkpoint.createdAt = select.columnInt64(6);
    return checkpoint;
}

std::int64_t RunStore::insertSampleSet(const SampleSetRecord& set)
{
    Transaction transaction(m_db);
    Statement insertSet(m_db, kInsertSampleSetSql);
    insertSet.bindInt64(1, set.runId);
    insertSet.bindText(2, set.phase);
    insertSet.bindInt64(3, set.step);
    insertSet.bindText(4, set.prompt);
    insertSet.bindInt64(5, stampOrNow(set.createdAt));
    insertSet.run();
    const std::int64_t setId = m_db.lastInsertRowId();

    Statement insert(m_db, kInsertCandidateSql);
    for (const CandidateRecord& candidate : set.candidates) {
        insert.bindInt64(1, setId);
        insert.bindInt64(2, candidate.idx);
        insert.bindText(3, roleName(candidate.role));
        insert.bindText(4, candidate.strategy);
        insert.bindText(5, candidate.text);
        insert.bindBlob(6, asBlob(candidate.tokenIds));
        bindBlobOrNull(insert, 7, candidate.logpTheta);
        bindBlobOrNull(insert, 8, candidate.logpRef);
        bindOptional(insert, 9, candidate.reward);
        bindOptional(insert, 10, candidate.similarity);
        bindOptional(insert, 11, candidate.rank ? std::optional<std::int64_t>(*candidate.rank)
                                                : std::nullopt);
        insert.run();
        insert.reset();
    }
    transaction.commit();
    return setId;
}

std::vector<SampleSetRecord> RunStore::readSampleSets(std::int64_t runId)
{
    // Both statements read inside one transaction, so sets and candidates match even while
    // the writer adds more.
    Transaction snapshot(m_db, TransactionKind::Read);
    std::vector<SampleSetRecord> sets;
    std::unordered_map<std::int64_t, std::size_t> indexById;
    Statement selectSets(m_db, kSelectSampleSetsSql);
    selectSets.bindInt64(1, runId);
    while (selectSets.step()) {
        SampleSetRecord set;
        set.id = selectSets.columnInt64(0);
        set.runId = selectSets.columnInt64(1);
        set.phase = selectSets.columnText(2);
        set.step = selectSets.columnInt64(3);
        set.prompt = selectSets.columnText(4);
        set.createdAt = selectSets.columnInt64(5);
        indexById.emplace(set.id, sets.size());
        sets.push_back(std::move(set));
    }
    Statement selectCandidates(m_db, kSelectCandidatesSql);
    selectCandidates.bindInt64(1, runId);
    while (selectCandidates.step()) {
        const auto found = indexById.find(selectCandidates.columnInt64(0));
        if (found != indexById.end())
            sets[found->second].candidates.push_back(readCandidate(selectCandidates, m_db));
    }
    snapshot.commit();
    return sets;
}

bool RunStore::insertJudgment(const JudgmentRecord& judgment)
{
    Statement insert(m_db, kInsertJudgmentSql);
    insert.bindText(1, judgment.judgeConfigHash);
    insert.bindText(2, judgment.promptHash);
    insert.bindText(3, judgment.pairHash);
    insert.bindInt64(4, judgment.orderAb ? 1 : 0);
    insert.bindText(5, judgment.verdict);
    insert.bindText(6, judgment.rawAnswer);
    insert.bindDouble(7, judgment.latencyMs);
    insert.bindDouble(8, judgment.cost);
    insert.bindInt64(9, stampOrNow(judgment.createdAt));
    insert.run();
    return m_db.changes() > 0;
}

std::optional<JudgmentRecord> RunStore::findJudgment(std::string_view judgeConfigHash,
                                                     std::string_view promptHash,
                                                     std::string_view pairHash, bool orderAb)
{
    Statement select(m_db, kSelectJudgmentSql);
    select.bindText(1, judgeConfigHash);
    select.bindText(2, promptHash);
    select.bindText(3, pairHash);
    select.bindInt64(4, orderAb ? 1 : 0);
    if (!select.step())
        return std::nullopt;
    JudgmentRecord judgment;
    judgment.id = select.columnInt64(0);
    judgment.judgeConfigHash = select.columnText(1);
    judgment.promptHash = select.columnText(2);
    judgment.pairHash = select.columnText(3);
    judgment.orderAb = select.columnInt64(4) != 0;
    judgment.verdict = select.columnText(5);
    judgment.rawAnswer = select.columnText(6);
    judgment.latencyMs = select.columnDouble(7);
    judgment.cost = select.columnDouble(8);
    judgment.createdAt = select.columnInt64(9);
    return judgment;
}

std::int64_t RunStore::recordAlert(const AlertRecord& alert)
{
    Statement insert(m_db, kInsertAlertSql);
    insert.bindInt64(1, alert.runId);
    insert.bindText(2, alert.phase);
    insert.bindInt64(3, alert.step);
    insert.bindText(4, alert.kind);
    insert.bindText(5, alert.message);
    insert.bindInt64(6, stampOrNow(alert.createdAt));
    insert.run();
    return m_db.lastInsertRowId();
}

std::vector<AlertRecord> RunStore::listAlerts(std::int64_t runId)
{
    Statement select(m_db, kSelectAlertsSql);
    select.bindInt64(1, runId);
    std::vector<AlertRecord> alerts;
    while (select.step()) {
        AlertRecord alert;
        alert.id = select.columnInt64(0);
        alert.runId = select.columnInt64(1);
        alert.phase = select.columnText(2);
        alert.step = select.columnInt64(3);
        alert.kind = select.columnText(4);
        alert.message = select.columnText(5);
        alert.createdAt = select.columnInt64(6);
        alerts.push_back(std::move(alert));
    }
    return alerts;
}

} // namespace cpo::store
