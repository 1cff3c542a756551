#include "dashboard/stored_series_loader.h"

#include "store/run_store.h"

#include <QtCore/QFileInfo>

#include <algorithm>
#include <exception>

namespace cpo::ui {

StoredSeriesLoader::StoredSeriesLoader(const QString& databasePath, QObject* parent)
    : QObject(parent), m_databasePath(databasePath)
{
    qRegisterMetaType<std::vector<std::int64_t>>();
    qRegisterMetaType<std::vector<double>>();
}

StoredSeriesLoader::~StoredSeriesLoader()
{
    m_thread.runAndWait([this] { m_store.reset(); });
}

template <typename Work>
void StoredSeriesLoader::onLoaderThread(Work work)
{
    m_thread.post([this, work = std::move(work)] {
        try {
            if (!m_store) {
                if (!QFileInfo::exists(m_databasePath))
                    return; // no runs yet: nothing to show
                m_store = std::make_unique<store::RunStore>(m_databasePath.toStdString(),
                                                            store::OpenMode::ReadOnly);
            }
            work();
        } catch (const std::exception& e) {
            Q_EMIT failed(QString::fromUtf8(e.what()));
        }
    });
}

void StoredSeriesLoader::load(std::int64_t runId)
{
    onLoaderThread([this, runId] { loadOn(runId); });
}

void StoredSeriesLoader::loadLatest()
{
    onLoaderThread([this] {
        const auto runs = m_store->listRuns();
        if (!runs.empty())
            loadOn(runs.front().id);
    });
}

void StoredSeriesLoader::loadOn(std::int64_t runId)
{
    const auto run = m_store->getRun(runId);
    if (!run)
        return;
    Q_EMIT runFound(runId, QString::fromStdString(run->name));
    auto keys = m_store->seriesKeys(runId);
    // MLE first: the dashboard places a later phase after the earlier ones.
    std::stable_partition(keys.begin(), keys.end(),
                          [](const std::string& key) { return key.rfind("mle/", 0) == 0; });
    for (const auto& key : keys) {
        auto series = m_store->readSeries(runId, key);
        Q_EMIT seriesLoaded(runId, QString::fromStdString(key), series.steps, series.values);
    }
}

} // namespace cpo::ui
