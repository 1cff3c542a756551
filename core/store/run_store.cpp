// RunStore: the runs table (rows, status, owner). The other table groups are in
// run_store_metrics.cpp, run_store_samples.cpp and run_store_events.cpp.
#include "store/run_store.h"

#include "store/column_values.h"
#include "store/schema.h"
#include "util/json_parse.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace cpo::store {
namespace {

constexpr char kInsertRunSql[] =
    "INSERT INTO runs (name, status, experiment_json, config_hash, app_version, git_revision, "
    "machine_info, device_info, parent_run_id, tags, notes, owner_pid, owner_host, heartbeat, "
    "error, created_at, finished_at, run_dir, remote_host, remote_run_id, remote_db) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kSelectRunsSql[] =
    "SELECT id, name, status, experiment_json, config_hash, app_version, git_revision, "
    "machine_info, device_info, parent_run_id, tags, notes, owner_pid, owner_host, heartbeat, "
    "error, created_at, finished_at, run_dir, remote_host, remote_run_id, remote_db FROM runs "
    "ORDER BY created_at DESC, id DESC";
constexpr char kSelectRunSql[] =
    "SELECT id, name, status, experiment_json, config_hash, app_version, git_revision, "
    "machine_info, device_info, parent_run_id, tags, notes, owner_pid, owner_host, heartbeat, "
    "error, created_at, finished_at, run_dir, remote_host, remote_run_id, remote_db FROM runs "
    "WHERE id = ?";
// remote_db is compared as stored ('' when the remote machine's default store).
constexpr char kSelectRemoteRunSql[] =
    "SELECT id FROM runs WHERE remote_host = ? AND remote_run_id = ? AND remote_db = ? "
    "ORDER BY id LIMIT 1";
constexpr char kUpdateRunStatusSql[] =
    "UPDATE runs SET status = ?, error = ?, finished_at = ? WHERE id = ?";
constexpr char kUpdateRunOwnerSql[] =
    "UPDATE runs SET owner_pid = ?, owner_host = ?, heartbeat = ? WHERE id = ?";
constexpr char kClearRunOwnerSql[] =
    "UPDATE runs SET owner_pid = NULL, owner_host = NULL WHERE id = ?";
constexpr char kUpdateRunHeartbeatSql[] = "UPDATE runs SET heartbeat = ? WHERE id = ?";
constexpr char kUpdateRunTagsSql[] = "UPDATE runs SET tags = ? WHERE id = ?";
constexpr char kUpdateRunNotesSql[] = "UPDATE runs SET notes = ? WHERE id = ?";
constexpr char kDeleteRunSql[] = "DELETE FROM runs WHERE id = ?";

std::string tagsToJson(const std::vector<std::string>& tags)
{
    return nlohmann::json(tags).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> tagsFromJson(const std::string& text, const Database& db,
                                      std::int64_t runId)
{
    const auto json = parseJsonBounded(text, "the tags", {.allowExceptions = false});
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
    if (const auto remoteRunId = optionalInt64(row, 20))
        run.remote = RemoteOrigin{row.columnText(19), *remoteRunId, row.columnText(21)};
    return run;
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
    if (run.remote) {
        insert.bindText(19, run.remote->host);
        insert.bindInt64(20, run.remote->runId);
        insert.bindText(21, run.remote->db);
    } else {
        for (const int column : {19, 20, 21})
            insert.bindNull(column);
    }
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

void RunStore::setTags(std::int64_t runId, const std::vector<std::string>& tags)
{
    Statement update(m_db, kUpdateRunTagsSql);
    update.bindText(1, tagsToJson(tags));
    update.bindInt64(2, runId);
    update.run();
    requireChanged(runId);
}

void RunStore::setNotes(std::int64_t runId, std::string_view notes)
{
    Statement update(m_db, kUpdateRunNotesSql);
    update.bindText(1, notes);
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

std::optional<std::int64_t> RunStore::findRemoteRun(const RemoteOrigin& origin)
{
    Statement select(m_db, kSelectRemoteRunSql);
    select.bindText(1, origin.host);
    select.bindInt64(2, origin.runId);
    select.bindText(3, origin.db);
    if (!select.step())
        return std::nullopt;
    return select.columnInt64(0);
}

bool RunStore::deleteRun(std::int64_t runId)
{
    Statement remove(m_db, kDeleteRunSql);
    remove.bindInt64(1, runId);
    remove.run();
    return m_db.changes() > 0;
}

} // namespace cpo::store
