// RunStore: what happened along a run besides its metrics: checkpoints, alerts and the
// event log.
#include "store/run_store.h"

#include "store/column_values.h"

namespace cpo::store {
namespace {

constexpr char kInsertCheckpointSql[] =
    "INSERT INTO checkpoints (run_id, phase, step, path, sha256, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?)";
constexpr char kSelectLatestCheckpointSql[] =
    "SELECT id, run_id, phase, step, path, sha256, created_at FROM checkpoints "
    "WHERE run_id = ? ORDER BY id DESC LIMIT 1";
constexpr char kSelectLatestPhaseCheckpointSql[] =
    "SELECT id, run_id, phase, step, path, sha256, created_at FROM checkpoints "
    "WHERE run_id = ? AND phase = ? ORDER BY id DESC LIMIT 1";

constexpr char kSelectCheckpointsSql[] =
    "SELECT id, run_id, phase, step, path, sha256, created_at FROM checkpoints "
    "WHERE run_id = ? ORDER BY id";

constexpr char kInsertAlertSql[] =
    "INSERT INTO alerts (run_id, phase, step, kind, message, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?)";
constexpr char kSelectAlertsSql[] =
    "SELECT id, run_id, phase, step, kind, message, created_at FROM alerts WHERE run_id = ? "
    "ORDER BY step, id";

constexpr char kInsertEventSql[] =
    "INSERT INTO run_events (run_id, seq, event, created_at) VALUES (?, ?, ?, ?)";
constexpr char kSelectEventsSql[] =
    "SELECT seq, event, created_at FROM run_events WHERE run_id = ? AND seq > ? "
    "ORDER BY seq LIMIT ?";
constexpr char kSelectLastEventSql[] = "SELECT MAX(seq) FROM run_events WHERE run_id = ?";

CheckpointRecord readCheckpoint(const Statement& row)
{
    CheckpointRecord checkpoint;
    checkpoint.id = row.columnInt64(0);
    checkpoint.runId = row.columnInt64(1);
    checkpoint.phase = row.columnText(2);
    checkpoint.step = row.columnInt64(3);
    checkpoint.path = row.columnText(4);
    checkpoint.sha256 = row.columnText(5);
    checkpoint.createdAt = row.columnInt64(6);
    return checkpoint;
}

} // namespace

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
    return readCheckpoint(select);
}

std::vector<CheckpointRecord> RunStore::listCheckpoints(std::int64_t runId)
{
    Statement select(m_db, kSelectCheckpointsSql);
    select.bindInt64(1, runId);
    std::vector<CheckpointRecord> checkpoints;
    while (select.step())
        checkpoints.push_back(readCheckpoint(select));
    return checkpoints;
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

void RunStore::appendEvents(std::int64_t runId, std::span<const EventRecord> events)
{
    Transaction transaction(m_db);
    Statement insert(m_db, kInsertEventSql);
    for (const auto& event : events) {
        insert.reset();
        insert.bindInt64(1, runId);
        insert.bindInt64(2, event.seq);
        insert.bindText(3, event.json);
        insert.bindInt64(4, stampOrNow(event.createdAt));
        insert.run();
    }
    transaction.commit();
}

std::vector<EventRecord> RunStore::readEvents(std::int64_t runId, std::int64_t afterSeq,
                                              std::size_t limit)
{
    Statement select(m_db, kSelectEventsSql);
    select.bindInt64(1, runId);
    select.bindInt64(2, afterSeq);
    select.bindInt64(3, static_cast<std::int64_t>(limit));
    std::vector<EventRecord> events;
    while (select.step())
        events.push_back({runId, select.columnInt64(0), select.columnText(1),
                          select.columnInt64(2)});
    return events;
}

std::int64_t RunStore::lastEventSeq(std::int64_t runId)
{
    Statement select(m_db, kSelectLastEventSql);
    select.bindInt64(1, runId);
    return select.step() && !select.isNull(0) ? select.columnInt64(0) : 0;
}

} // namespace cpo::store
