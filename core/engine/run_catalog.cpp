#include "engine/run_catalog.h"

#include "engine/run_owner.h"
#include "store/export.h"
#include "store/run_store.h"
#include "store/schema.h"
#include "util/error.h"
#include "util/json_parse.h"

#include <nlohmann/json.hpp>

namespace cpo::engine {
namespace {

namespace fs = std::filesystem;

// A store of an older schema (or an empty file) is migrated first through a short-lived
// read-write connection: a read-only one cannot, and telling the user to run a `cpo runs`
// command from a `cpo runs` command helps nobody.
void migrateIfOlder(const fs::path& db)
{
    if (store::Database(db, store::OpenMode::ReadOnly).userVersion() >= store::kSchemaVersion)
        return;
    try {
        store::RunStore migrated(db, store::OpenMode::ReadWrite);
    } catch (const Error& e) {
        throw Error(std::string(e.what()) + " (the store needs migrating to schema version "
                    + std::to_string(store::kSchemaVersion) + " before it can be read; if its "
                    + "folder is read-only, copy it somewhere writable and pass --db COPY)");
    }
}

store::RunStore openExisting(const fs::path& db, store::OpenMode mode)
{
    requireRunStore(db);
    if (mode == store::OpenMode::ReadOnly)
        migrateIfOlder(db);
    return store::RunStore(db, mode);
}

// The CPO settings a run browser shows, read from the run's experiment as stored: a row
// written by any build reads, and an experiment without a CPO phase leaves them empty.
void readCpoSettings(const std::string& experimentJson, RunListEntry& entry)
{
    const auto experiment = parseJsonBounded(experimentJson, "the stored experiment",
                                             {.allowExceptions = false});
    if (!experiment.is_object() || !experiment.contains("cpo"))
        return;
    const auto& cpo = experiment["cpo"];
    if (!cpo.is_object())
        return;
    if (cpo.contains("sampler") && cpo["sampler"].is_string())
        entry.sampler = cpo["sampler"].get<std::string>();
    if (cpo.contains("beta") && cpo["beta"].is_number())
        entry.beta = cpo["beta"].get<double>();
    if (cpo.contains("k") && cpo["k"].is_number_integer())
        entry.k = cpo["k"].get<std::int64_t>();
}

} // namespace

void requireRunStore(const fs::path& db)
{
    if (!fs::exists(db))
        throw Error("no run store at " + db.string() + " yet: run `cpo run` first or pass --db");
}

struct RunCatalog::Impl {
    explicit Impl(fs::path file)
        : db(std::move(file)), store(openExisting(db, store::OpenMode::ReadOnly))
    {
    }

    std::optional<double> lastValue(std::int64_t id, const char* key)
    {
        const auto point = store.lastPoint(id, key);
        return point ? std::optional(point->value) : std::nullopt;
    }

    RunListEntry entryFor(const store::RunRecord& run)
    {
        RunListEntry entry;
        entry.id = run.id;
        entry.name = run.name;
        entry.status = run.status;
        entry.abandoned = isAbandoned(run);
        readCpoSettings(run.experimentJson, entry);
        // Every phase logs its loss at every step, so the loss series' last steps count the
        // optimizer steps done (one index seek each).
        for (const char* key : {"mle/loss", "cpo/loss"})
            if (const auto point = store.lastPoint(run.id, key))
                entry.stepsDone += point->step;
        entry.finalValLoss = lastValue(run.id, "cpo/val_loss");
        if (!entry.finalValLoss)
            entry.finalValLoss = lastValue(run.id, "mle/val_loss");
        entry.cpoAccuracy = lastValue(run.id, "cpo/accuracy");
        entry.createdAt = run.createdAt;
        entry.finishedAt = run.finishedAt;
        entry.tags = run.tags;
        entry.notes = run.notes;
        entry.runDir = run.runDir;
        entry.configHash = run.configHash;
        entry.parentRunId = run.parentRunId;
        entry.error = run.error;
        entry.remote = run.remote;
        return entry;
    }

    // Edits go through their own short-lived read-write connection: the catalog's stays
    // read-only, so it never holds the write lock the engine needs.
    store::RunStore writer() { return openExisting(db, store::OpenMode::ReadWrite); }

    fs::path db;
    store::RunStore store;
};

RunCatalog::RunCatalog(fs::path db) : m_impl(std::make_unique<Impl>(std::move(db))) {}
RunCatalog::~RunCatalog() = default;
RunCatalog::RunCatalog(RunCatalog&&) noexcept = default;
RunCatalog& RunCatalog::operator=(RunCatalog&&) noexcept = default;

std::vector<RunListEntry> RunCatalog::runs()
{
    // One snapshot: the list and its derived columns are of one moment.
    store::Transaction snapshot(m_impl->store.database(), store::TransactionKind::Read);
    std::vector<RunListEntry> entries;
    for (const auto& run : m_impl->store.listRuns())
        entries.push_back(m_impl->entryFor(run));
    snapshot.commit();
    return entries;
}

std::optional<store::RunRecord> RunCatalog::run(std::int64_t id)
{
    return m_impl->store.getRun(id);
}

store::RunRecord RunCatalog::requireRun(std::int64_t id)
{
    auto run = m_impl->store.getRun(id);
    if (!run)
        throw Error("no run " + std::to_string(id) + " in " + m_impl->store.database().file());
    return *std::move(run);
}

RunDetails RunCatalog::details(std::int64_t id)
{
    // One snapshot, so a run being written shows series, checkpoint and alerts of one moment.
    store::Transaction snapshot(m_impl->store.database(), store::TransactionKind::Read);
    RunDetails details{requireRun(id), seriesSummaries(id), m_impl->store.latestCheckpoint(id),
                       m_impl->store.listAlerts(id)};
    snapshot.commit();
    return details;
}

std::vector<std::string> RunCatalog::seriesKeys(std::int64_t id)
{
    return m_impl->store.seriesKeys(id);
}

store::Series RunCatalog::series(std::int64_t id, std::string_view key, std::int64_t afterStep)
{
    return m_impl->store.readSeries(id, key, afterStep);
}

std::vector<SeriesSummary> RunCatalog::seriesSummaries(std::int64_t id)
{
    store::Transaction snapshot(m_impl->store.database(), store::TransactionKind::Read);
    std::vector<SeriesSummary> summaries;
    // Reads each series whole: a series of a million points reads in well under a second.
    for (const auto& key : m_impl->store.seriesKeys(id)) {
        const auto series = m_impl->store.readSeries(id, key);
        if (series.steps.empty())
            continue;
        summaries.push_back(
            {key, series.steps.size(), series.steps.back(), series.values.back()});
    }
    snapshot.commit();
    return summaries;
}

std::vector<store::SampleSetRecord> RunCatalog::sampleSets(std::int64_t id)
{
    return m_impl->store.readSampleSets(id);
}

std::vector<store::CheckpointRecord> RunCatalog::checkpoints(std::int64_t id)
{
    return m_impl->store.listCheckpoints(id);
}

std::optional<store::CheckpointRecord> RunCatalog::latestCheckpoint(std::int64_t id)
{
    return m_impl->store.latestCheckpoint(id);
}

std::vector<store::AlertRecord> RunCatalog::alerts(std::int64_t id)
{
    return m_impl->store.listAlerts(id);
}

std::int64_t RunCatalog::dataVersion()
{
    return m_impl->store.database().dataVersion();
}

void RunCatalog::exportMetricsCsv(std::int64_t id, const fs::path& file)
{
    store::exportMetricsCsv(m_impl->store, id, file);
}

void RunCatalog::exportMetricsJson(std::int64_t id, const fs::path& file)
{
    store::exportMetricsJson(m_impl->store, id, file);
}

void RunCatalog::exportExperiment(std::int64_t id, const fs::path& file)
{
    store::exportExperiment(m_impl->store, id, file);
}

namespace {

store::RunRecord deletable(store::RunStore& runs, std::int64_t id)
{
    auto run = runs.getRun(id);
    if (!run)
        throw Error("no run " + std::to_string(id) + " in " + runs.database().file());
    if (isOwnedByLiveProcess(*run))
        throw Error("run " + std::to_string(run->id) + " (" + run->name + ", " +
                    std::string(store::statusName(run->status)) + ") is in use by process " +
                    std::to_string(*run->ownerPid) + ": stop it first");
    return *std::move(run);
}

} // namespace

store::RunRecord RunCatalog::requireDeletable(std::int64_t id)
{
    return deletable(m_impl->store, id);
}

void RunCatalog::deleteRun(std::int64_t id)
{
    auto runs = m_impl->writer();
    // Holds the write lock from the check to the delete, so no process can claim the run in
    // between.
    store::Transaction transaction(runs.database());
    deletable(runs, id);
    runs.deleteRun(id);
    transaction.commit();
}

void RunCatalog::setTags(std::int64_t id, std::vector<std::string> tags)
{
    m_impl->writer().setTags(id, tags);
}

void RunCatalog::setNotes(std::int64_t id, std::string notes)
{
    m_impl->writer().setNotes(id, notes);
}

const fs::path& RunCatalog::database() const
{
    return m_impl->db;
}

} // namespace cpo::engine
