#pragma once

#include <QtCore/QObject>
#include <QtCore/QString>

#include "worker_thread.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace cpo::store {
class RunStore;
}

namespace cpo::ui {

// Reads stored runs' series for the dashboard on a thread of its own, through its own
// read-only connection, so a run of a million points never blocks the GUI thread. Each series
// comes back as one queued signal of plain vectors, MLE's before CPO's.
class StoredSeriesLoader : public QObject {
    Q_OBJECT

public:
    explicit StoredSeriesLoader(const QString& databasePath, QObject* parent = nullptr);
    ~StoredSeriesLoader() override;

    void load(std::int64_t runId);
    void loadLatest(); // the newest run, if the store has any

Q_SIGNALS:
    void runFound(qint64 runId, const QString& name);
    void seriesLoaded(qint64 runId, const QString& key, const std::vector<std::int64_t>& steps,
                      const std::vector<double>& values);
    void failed(const QString& message);

private:
    template <typename Work>
    void onLoaderThread(Work work);
    void loadOn(std::int64_t runId); // the loader's thread
    void loadWinRates(std::int64_t runId); // the stored evaluations, as win-rate series

    QString m_databasePath;
    std::unique_ptr<store::RunStore> m_store; // opened, used and closed on m_thread
    WorkerThread m_thread{QStringLiteral("series loader")};
};

} // namespace cpo::ui
