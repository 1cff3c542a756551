#include "runs/run_browser.h"

#include "runs/run_filter_model.h"
#include "runs/run_table_model.h"

#include <QtCore/QDir>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMenu>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QTableView>
#include <QtWidgets/QVBoxLayout>

namespace cpo::ui {

template <typename Call>
void RunBrowser::toWorker(Call call)
{
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, call] { call(worker); });
}

RunBrowser::RunBrowser(const QString& database, QWidget* parent, int pollMs) : QWidget(parent)
{
    m_model = new RunTableModel(this);
    m_filter = new RunFilterModel(this);
    m_filter->setSourceModel(m_model);

    auto* layout = new QVBoxLayout(this);
    auto* bar = new QHBoxLayout;
    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Search name, sampler, tags, notes"));
    m_search->setClearButtonEnabled(true);
    bar->addWidget(m_search, 1);
    m_status = new QComboBox(this);
    m_status->addItem(tr("All statuses"), QString());
    for (const char* status : {"queued", "running", "paused", "stopped", "finished", "failed",
                               "cancelled", "abandoned"}) {
        m_status->addItem(QString::fromLatin1(status), QString::fromLatin1(status));
    }
    bar->addWidget(m_status);
    m_count = new QLabel(this);
    bar->addWidget(m_count);
    layout->addLayout(bar);

    m_table = new QTableView(this);
    m_table->setModel(m_filter);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(RunTableModel::Started, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::DoubleClicked |
                             QAbstractItemView::EditKeyPressed);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    layout->addWidget(m_table, 1);

    connect(m_search, &QLineEdit::textChanged, m_filter, &RunFilterModel::setSearchText);
    connect(m_status, &QComboBox::currentIndexChanged, this, [this] {
        m_filter->setStatusFilter(m_status->currentData().toString());
    });
    connect(m_table, &QTableView::customContextMenuRequested, this,
            &RunBrowser::showContextMenu);
    connect(m_table, &QTableView::doubleClicked, this, [this](const QModelIndex& index) {
        if (!(index.flags() & Qt::ItemIsEditable))
            Q_EMIT openRequested(index.data(RunTableModel::RunIdRole).toLongLong());
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const auto ids = selectedRunIds();
        toWorker([ids](RunCatalogWorker* worker) { worker->followRuns(ids); });
        Q_EMIT selectionChanged(ids);
    });

    m_worker = new RunCatalogWorker(database, pollMs);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::started, m_worker, &RunCatalogWorker::start);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &RunCatalogWorker::runsChanged, this, [this](const RunList& runs) {
        const bool first = m_model->rowCount() == 0;
        m_model->setRuns(runs);
        if (first) // fitted once, then left to the user's hand
            m_table->resizeColumnsToContents();
        m_count->setText(tr("%n run(s)", nullptr, m_model->rowCount()));
        Q_EMIT runsUpdated();
    });
    connect(m_worker, &RunCatalogWorker::seriesAppended, this, &RunBrowser::seriesAppended);
    connect(m_worker, &RunCatalogWorker::experimentFetched, this,
            [this](qint64, const QString& name, const QString& json) {
                Q_EMIT cloneSetupRequested(json, name);
            });
    connect(m_worker, &RunCatalogWorker::finished, this, &RunBrowser::message);
    connect(m_worker, &RunCatalogWorker::failed, this, &RunBrowser::message);
    connect(m_model, &RunTableModel::tagsEdited, this, [this](qint64 id, const QStringList& tags) {
        toWorker([id, tags](RunCatalogWorker* worker) { worker->setTags(id, tags); });
    });
    connect(m_model, &RunTableModel::notesEdited, this, [this](qint64 id, const QString& notes) {
        toWorker([id, notes](RunCatalogWorker* worker) { worker->setNotes(id, notes); });
    });
    m_thread.setObjectName(QStringLiteral("run-catalog"));
    m_thread.start();
}

RunBrowser::~RunBrowser()
{
    m_thread.quit();
    m_thread.wait();
}

QList<qint64> RunBrowser::selectedRunIds() const
{
    QList<qint64> ids;
    for (const auto& index : m_table->selectionModel()->selectedRows())
        ids << index.data(RunTableModel::RunIdRole).toLongLong();
    std::sort(ids.begin(), ids.end());
    return ids;
}

void RunBrowser::selectRuns(const QList<qint64>& runIds)
{
    QItemSelection selection;
    for (const qint64 id : runIds) {
        const int row = m_model->rowOf(id);
        if (row < 0)
            continue;
        const auto index = m_filter->mapFromSource(m_model->index(row, 0));
        if (index.isValid())
            selection.select(index, index.siblingAtColumn(RunTableModel::ColumnCount - 1));
    }
    m_table->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect |
                                                     QItemSelectionModel::Rows);
}

void RunBrowser::showContextMenu(const QPoint& position)
{
    const auto index = m_table->indexAt(position);
    if (!index.isValid())
        return;
    const qint64 id = index.data(RunTableModel::RunIdRole).toLongLong();
    const auto& run = m_model->run(m_model->rowOf(id));
    const QString name = QString::fromStdString(run.name);
    // A mirror of a remote run is read-only: it trains (and resumes) on its machine.
    const bool resumable = !run.remote && (run.abandoned ||
                                           run.status == store::RunStatus::Stopped ||
                                           run.status == store::RunStatus::Failed ||
                                           run.status == store::RunStatus::Queued);
    QList<qint64> ids = selectedRunIds();
    if (!ids.contains(id))
        ids = {id};

    QMenu menu(this);
    menu.addAction(tr("Open"), this, [this, id] { Q_EMIT openRequested(id); });
    // A mirror's events do not carry its experiment: there is no setup to clone.
    menu.addAction(tr("Clone setup"), this, [this, id] {
        toWorker([id](RunCatalogWorker* worker) { worker->fetchExperiment(id); });
    })->setEnabled(!run.remote);
    menu.addAction(tr("Resume"), this, [this, id] { Q_EMIT resumeRequested(id); })
        ->setEnabled(resumable);
    menu.addAction(tr("Export metrics…"), this, [this, id, name] { exportRun(id, name); });
    menu.addSeparator();
    menu.addAction(tr("Delete…"), this, [this, ids] { deleteRuns(ids); });
    menu.exec(m_table->viewport()->mapToGlobal(position));
}

void RunBrowser::exportRun(qint64 runId, const QString& name)
{
    QString filter = tr("CSV, long form (*.csv)");
    const QString file = QFileDialog::getSaveFileName(
        this, tr("Export metrics of %1").arg(name),
        QDir::home().filePath(QStringLiteral("run-%1.csv").arg(runId)),
        tr("CSV, long form (*.csv);;JSON, a column array per series (*.json)"), &filter);
    if (file.isEmpty())
        return;
    const bool json = file.endsWith(QLatin1String(".json"), Qt::CaseInsensitive);
    toWorker([runId, file, json](RunCatalogWorker* worker) {
        worker->exportRun(runId, json ? QString() : file, json ? file : QString());
    });
}

void RunBrowser::deleteRuns(const QList<qint64>& runIds)
{
    const auto answer = QMessageBox::question(
        this, tr("Delete runs"),
        tr("Delete %n run(s) with their metrics, samples and checkpoint records? Their "
           "folders on disk are kept.",
           nullptr, int(runIds.size())),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer != QMessageBox::Yes)
        return;
    for (const qint64 id : runIds)
        toWorker([id](RunCatalogWorker* worker) { worker->deleteRun(id); });
}

} // namespace cpo::ui
