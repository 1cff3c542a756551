// RunStore: the metrics table (series by run, key and step).
#include "store/run_store.h"

#include "store/column_values.h"

namespace cpo::store {
namespace {

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
constexpr char kSelectLastPointSql[] =
    "SELECT phase, step, key, value, wall_time FROM metrics WHERE run_id = ? AND key = ? "
    "ORDER BY step DESC LIMIT 1";
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

} // namespace

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

std::optional<MetricPoint> RunStore::lastPoint(std::int64_t runId, std::string_view key)
{
    Statement select(m_db, kSelectLastPointSql);
    select.bindInt64(1, runId);
    select.bindText(2, key);
    if (!select.step())
        return std::nullopt;
    return MetricPoint{select.columnText(0), select.columnInt64(1), select.columnText(2),
                       doubleOrNan(select, 3), select.columnDouble(4)};
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

} // namespace cpo::store
