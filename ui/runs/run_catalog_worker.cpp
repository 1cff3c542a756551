#include "runs/run_catalog_worker.h"

#include "store/export.h"
#include "store/run_store.h"
#include "util/error.h"

#include <QtCore/QTimer>

#include <filesystem>
#include <limits>

namespace cpo::ui {

RunCatalogWorker::RunCatalogWorker(QString database, int pollMs)
    : m_database(database.toStdString()), m_pollMs(pollMs)
{
    qRegisterMetaType<SeriesUpdate>();
    qRegisterMetaType<RunList>();
}

RunCatalogWorker::~RunCatalogWorker() = default;

void RunCatalogWorker::start()
{
    m_timer = new QTimer(this); // created here, so it lives on the worker's thread
    m_timer->setInterval(m_pollMs);
    connect(m_timer, &QTimer::timeout, this, &RunCatalogWorker::poll);
    m_timer->start();
    poll();
}

bool RunCatalogWorker::open()
{
    if (m_catalog)
        return true;
    std::error_code ec;
    if (!std::filesystem::exists(m_database, ec))
        return false; // the store appears with the first run; keep looking
    try {
        m_catalog = std::make_unique<engine::RunCatalog>(m_database);
    } catch (const Error& e) {
        Q_EMIT failed(QString::fromUtf8(e.what()));
        if (m_timer)
            m_timer->stop(); // a file this build cannot read does not fix itself
        return false;
    }
    return true;
}

void RunCatalogWorker::poll()
{
    if (!open())
        return;
    try {
        const auto version = m_catalog->dataVersion();
        if (version == m_version && !m_stale)
            return;
        m_version = version;
        m_stale = false;
        refresh();
    } catch (const Error& e) {
        Q_EMIT failed(QString::fromUtf8(e.what()));
    }
}

void RunCatalogWorker::refresh()
{
    Q_EMIT runsChanged(m_catalog->runs());
    for (const qint64 runId : m_followed) {
        for (const auto& key : m_catalog->seriesKeys(runId)) {
            auto [last, fresh] = m_lastStep.try_emplace({runId, key},
                                                        std::numeric_limits<std::int64_t>::min());
            const auto series = m_catalog->series(runId, key, last->second);
            if (series.steps.empty())
                continue;
            last->second = series.steps.back();
            SeriesUpdate update{runId, QString::fromStdString(key),
                                QList<qint64>(series.steps.begin(), series.steps.end()),
                                QList<double>(series.values.begin(), series.values.end())};
            Q_EMIT seriesAppended(update);
        }
    }
}

void RunCatalogWorker::followRuns(const QList<qint64>& runIds)
{
    m_followed = std::set<qint64>(runIds.begin(), runIds.end());
    std::erase_if(m_lastStep, [this](const auto& entry) {
        return !m_followed.count(entry.first.first);
    });
    m_stale = true; // send the new runs' history now, not at the next commit
    poll();
}

void RunCatalogWorker::setTags(qint64 runId, const QStringList& tags)
{
    if (!open())
        return;
    std::vector<std::string> values;
    for (const auto& tag : tags)
        values.push_back(tag.toStdString());
    try {
        m_catalog->setTags(runId, std::move(values));
        Q_EMIT finished(tr("Tags of run %1 saved").arg(runId));
    } catch (const Error& e) {
        Q_EMIT failed(QString::fromUtf8(e.what()));
    }
    m_stale = true;
}

void RunCatalogWorker::setNotes(qint64 runId, const QString& notes)
{
    if (!open())
        return;
    try {
        m_catalog->setNotes(runId, notes.toStdString());
        Q_EMIT finished(tr("Notes of run %1 saved").arg(runId));
    } catch (const Error& e) {
        Q_EMIT failed(QString::fromUtf8(e.what()));
    }
    m_stale = true;
}

void RunCatalogWorker::deleteRun(qint64 runId)
{
    try {
        // A short-lived writer: deletion is rare, and the engine's connection is its own.
        store::RunStore runs(m_database);
        if (!runs.deleteRun(runId))
            throw Error("run " + std::to_string(runId) + " is not in " + m_database.string());
        Q_EMIT finished(tr("Run %1 deleted").arg(runId));
    } catch (const Error& e) {
        Q_EMIT failed(QString::fromUtf8(e.what()));
    }
    m_stale = true;
    poll();
}

void RunCatalogWorker::exportRun(qint64 runId, const QString& csvFile, const QString& jsonFile)
{
    try {
        store::RunStore runs(m_database, store::OpenMode::ReadOnly);
        QStringList written;
        if (!csvFile.isEmpty()) {
            store::exportMetricsCsv(runs, runId, csvFile.toStdString());
            written << csvFile;
        }
        if (!jsonFile.isEmpty()) {
            store::exportMetricsJson(runs, runId, jsonFile.toStdString());
            written << jsonFile;
        }
        Q_EMIT finished(tr("Run %1 exported to %2").arg(runId).arg(written.join(", ")));
    } catch (const Error& e) {
        Q_EMIT failed(QString::fromUtf8(e.what()));
    }
}

void RunCatalogWorker::fetchExperiment(qint64 runId)
{
    if (!open())
        return;
    try {
        const auto run = m_catalog->run(runId);
        if (!run)
            throw Error("run " + std::to_string(runId) + " is not in " + m_database.string());
        Q_EMIT experimentFetched(runId, QString::fromStdString(run->name),
                                 QString::fromStdString(run->experimentJson));
    } catch (const Error& e) {
        Q_EMIT failed(QString::fromUtf8(e.what()));
    }
}

} // namespace cpo::ui
