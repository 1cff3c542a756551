#include "compare/compare_worker.h"

#include "engine/run_catalog.h"

#include <set>

namespace cpo::ui {

CompareWorker::CompareWorker(QString database) : m_catalog(database) {}

CompareWorker::~CompareWorker() = default;

bool CompareWorker::open()
{
    return m_catalog.open([this](const QString& message) { Q_EMIT failed(message); });
}

void CompareWorker::compare(const QList<qint64>& runIds)
{
    if (!open())
        return;
    try {
        RunComparison out;
        std::vector<std::string> experiments;
        std::set<QString> keys;
        for (const qint64 id : runIds) {
            const auto run = m_catalog->requireRun(id);
            out.runIds.push_back(id);
            out.names << QStringLiteral("%1 #%2").arg(QString::fromStdString(run.name)).arg(id);
            experiments.push_back(run.experimentJson);
            out.winRates.push_back(engine::finalWinRates(*m_catalog, id));
            for (const auto& key : m_catalog->seriesKeys(id))
                keys.insert(QString::fromStdString(key));
        }
        if (experiments.size() >= 2)
            out.differences = engine::experimentDifferences(experiments);
        out.seriesKeys = QStringList(keys.begin(), keys.end());
        Q_EMIT compared(out);
    } catch (const std::exception& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
    }
}

void CompareWorker::loadSeries(const QList<qint64>& runIds, const QString& key)
{
    if (!open())
        return;
    try {
        ComparedSeries out;
        out.key = key;
        for (const qint64 id : runIds) {
            out.runIds.push_back(id);
            out.series.push_back(m_catalog->series(id, key.toStdString()));
        }
        Q_EMIT seriesLoaded(out);
    } catch (const std::exception& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
    }
}

} // namespace cpo::ui
