#pragma once

#include "engine/run_catalog.h"

#include <QtCore/QList>
#include <QtCore/QMetaType>
#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

class QTimer;

namespace cpo::ui {

// New points of one series of a followed run, in step order.
struct SeriesUpdate {
    qint64 runId = 0;
    QString key; // "mle/loss", "cpo/accuracy", ...
    QList<qint64> steps;
    QList<double> values;
};

using RunList = std::vector<engine::RunListEntry>;

// Follows a run store from its own thread (moveToThread), so the GUI thread never waits on
// SQLite. It holds its own RunCatalog connection, polls PRAGMA data_version (cheap: one
// integer) and only when another connection committed rereads the run list and the new points
// of the series of the runs it follows. Everything it sends is a value. Edits (tags, notes,
// deletion, exports) also run here, off the GUI thread.
class RunCatalogWorker : public QObject {
    Q_OBJECT

public:
    explicit RunCatalogWorker(QString database, int pollMs = 500);
    ~RunCatalogWorker() override;

public Q_SLOTS:
    void start(); // on the worker's thread: opens the catalog (once the store exists) and polls
    void followRuns(const QList<qint64>& runIds); // their series' new points are sent
    void setTags(qint64 runId, const QStringList& tags);
    void setNotes(qint64 runId, const QString& notes);
    void deleteRun(qint64 runId);
    // Either file may be "": not written.
    void exportRun(qint64 runId, const QString& csvFile, const QString& jsonFile);
    void fetchExperiment(qint64 runId);

Q_SIGNALS:
    void runsChanged(const cpo::ui::RunList& runs);
    void seriesAppended(const cpo::ui::SeriesUpdate& update);
    void experimentFetched(qint64 runId, const QString& name, const QString& experimentJson);
    void finished(const QString& message); // an edit, deletion or export went through
    void failed(const QString& message);

private:
    void poll();
    void refresh();
    bool open();

    std::filesystem::path m_database;
    int m_pollMs;
    std::unique_ptr<engine::RunCatalog> m_catalog;
    QTimer* m_timer = nullptr;
    std::int64_t m_version = -1;
    bool m_stale = true;
    std::set<qint64> m_followed;
    std::map<std::pair<qint64, std::string>, std::int64_t> m_lastStep; // per followed series
};

} // namespace cpo::ui

Q_DECLARE_METATYPE(cpo::ui::SeriesUpdate)
Q_DECLARE_METATYPE(cpo::ui::RunList)
