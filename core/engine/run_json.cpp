#include "engine/run_json.h"

#include "engine/run_owner.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace cpo::engine {
namespace {

using nlohmann::json;

template <typename T>
json orNull(const std::optional<T>& value)
{
    return value ? json(*value) : json(nullptr);
}

json textOrNull(const std::string& text)
{
    return text.empty() ? json(nullptr) : json(text);
}

// NaN (a diverged loss) has no JSON spelling; null is what the metrics export writes too.
json numberOrNull(double value)
{
    return std::isnan(value) ? json(nullptr) : json(value);
}

// The fields a list row and a stored record share.
template <typename Run>
json summaryJson(const Run& run, bool abandoned)
{
    return {{"id", run.id},
            {"name", run.name},
            {"status", store::statusName(run.status)},
            {"created_at", run.createdAt},
            {"finished_at", orNull(run.finishedAt)},
            {"config_hash", run.configHash},
            {"parent_run_id", orNull(run.parentRunId)},
            {"tags", run.tags},
            {"error", textOrNull(run.error)},
            {"abandoned", abandoned}};
}

json runRecordJson(const store::RunRecord& run)
{
    auto out = summaryJson(run, isAbandoned(run));
    out["app_version"] = run.appVersion;
    out["git_revision"] = run.gitRevision;
    out["machine_info"] = run.machineInfo;
    out["device_info"] = run.deviceInfo;
    out["notes"] = run.notes;
    out["owner_pid"] = orNull(run.ownerPid);
    out["owner_host"] = textOrNull(run.ownerHost);
    out["heartbeat"] = orNull(run.heartbeat);
    out["run_dir"] = textOrNull(run.runDir);
    return out;
}

json checkpointJson(const std::optional<store::CheckpointRecord>& checkpoint)
{
    if (!checkpoint)
        return nullptr;
    return {{"id", checkpoint->id},          {"phase", checkpoint->phase},
            {"step", checkpoint->step},      {"path", checkpoint->path},
            {"sha256", checkpoint->sha256},  {"created_at", checkpoint->createdAt}};
}

} // namespace

json runSummaryJson(const RunListEntry& run)
{
    return summaryJson(run, run.abandoned);
}

json runDetailsJson(const RunDetails& details)
{
    json series = json::array();
    for (const auto& summary : details.series)
        series.push_back({{"key", summary.key},
                          {"points", summary.points},
                          {"last_step", summary.lastStep},
                          {"last_value", numberOrNull(summary.lastValue)}});
    return {{"run", runRecordJson(details.run)},
            {"series", series},
            {"latest_checkpoint", checkpointJson(details.latestCheckpoint)},
            {"alerts", details.alerts.size()}};
}

} // namespace cpo::engine
