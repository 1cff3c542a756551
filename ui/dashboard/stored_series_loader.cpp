#include "dashboard/stored_series_loader.h"

#include "dashboard/win_rate_series.h"
#include "store/evaluation_store.h"
#include "store/run_store.h"

#include <nlohmann/json.hpp>

#include <QtCore/QFileInfo>

#include <algorithm>
#include <exception>
#include <map>

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
    loadWinRates(runId);
}

void StoredSeriesLoader::loadWinRates(std::int64_t runId)
{
    // By step (then id): a step evaluated twice shows its latest evaluation.
    std::map<QString, std::map<std::int64_t, double>> series;
    store::EvaluationStore evaluations(m_store->database());
    for (const auto& evaluation : evaluations.evaluations(runId)) {
        const auto summary = nlohmann::json::parse(evaluation.summaryJson, nullptr, false);
        if (!summary.is_object() || !summary.contains("win_rate"))
            continue; // not judged (human votes come later)
        for (const auto& point :
             winRatePoints(evaluation.modelLabel, evaluation.step, summary.value("win_rate", 0.5),
                           summary.value("ci_low", 0.0), summary.value("ci_high", 1.0)))
            series[point.key][point.step] = point.value;
    }
    // MLE's first, as with the metrics: a later phase is placed after the earlier ones.
    std::vector<const decltype(series)::value_type*> ordered;
    for (const auto& entry : series)
        ordered.push_back(&entry);
    std::stable_partition(ordered.begin(), ordered.end(), [](const auto* entry) {
        return entry->first.startsWith(QStringLiteral("mle/"));
    });
    for (const auto* entry : ordered) {
        const auto& [key, points] = *entry;
        std::vector<std::int64_t> steps;
        std::vector<double> values;
        for (const auto& [step, value] : points) {
            steps.push_back(step);
            values.push_back(value);
        }
        Q_EMIT seriesLoaded(runId, key, steps, values);
    }
}

} // namespace cpo::ui
