#pragma once

#include "runs/run_catalog_worker.h"

#include <QtCore/QList>
#include <QtCore/QThread>
#include <QtWidgets/QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;

namespace cpo::ui {

class RunFilterModel;
class RunTableModel;

// The run browser: every run of the store in a sortable, filterable table that follows the
// store live (a run started elsewhere shows up within a poll), tags and notes edited in
// place, and a context menu to open, clone, resume, export or delete runs. It asks the main
// window for what needs the engine or other views (open, clone, resume) through signals.
class RunBrowser : public QWidget {
    Q_OBJECT

public:
    // Follows `database` (created by the first run when it does not exist yet).
    explicit RunBrowser(const QString& database, QWidget* parent = nullptr, int pollMs = 500);
    ~RunBrowser() override;

    RunTableModel* model() const { return m_model; }
    RunFilterModel* filter() const { return m_filter; }
    QTableView* table() const { return m_table; }
    QList<qint64> selectedRunIds() const;
    void selectRuns(const QList<qint64>& runIds);

Q_SIGNALS:
    void selectionChanged(const QList<qint64>& runIds); // the dashboard overlays them
    void openRequested(qint64 runId);
    void resumeRequested(qint64 runId);
    void cloneSetupRequested(const QString& experimentJson, const QString& runName);
    void seriesAppended(const cpo::ui::SeriesUpdate& update); // of the selected runs
    void message(const QString& text);                        // for the status bar / log
    void runsUpdated();                                       // the table took a new list


private:
    void showContextMenu(const QPoint& position);
    void exportRun(qint64 runId, const QString& name);
    void deleteRuns(const QList<qint64>& runIds);

    // Runs `call` on the worker's thread (queued), where its catalog connection lives.
    template <typename Call>
    void toWorker(Call call);

    QThread m_thread;
    RunCatalogWorker* m_worker = nullptr; // lives on m_thread, deleted when it ends
    RunTableModel* m_model = nullptr;
    RunFilterModel* m_filter = nullptr;
    QTableView* m_table = nullptr;
    QLineEdit* m_search = nullptr;
    QComboBox* m_status = nullptr;
    QLabel* m_count = nullptr;
};

} // namespace cpo::ui
