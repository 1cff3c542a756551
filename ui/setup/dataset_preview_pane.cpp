#include "setup/dataset_preview_pane.h"

#include "dashboard/qcustomplot_include.h"

#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QTableWidget>
#include <QtWidgets/QVBoxLayout>

#include <algorithm>

namespace cpo::ui {
namespace {

constexpr int kDebounceMs = 300;
constexpr int kShownCharacters = 160;

QString shortened(QString text)
{
    text.replace(QLatin1Char('\n'), QStringLiteral(" ⏎ "));
    return text.size() > kShownCharacters ? text.left(kShownCharacters) + QStringLiteral("…")
                                          : text;
}

} // namespace

DatasetPreviewPane::DatasetPreviewPane(QWidget* parent) : QWidget(parent)
{
    qRegisterMetaType<DatasetPreviewRequest>();
    qRegisterMetaType<DatasetPreviewResult>();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    layout->addWidget(m_status);

    m_records = new QTableWidget(0, 2, this);
    m_records->setHorizontalHeaderLabels({tr("Prompt"), tr("Continuation")});
    m_records->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_records->verticalHeader()->setVisible(false);
    m_records->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_records->setWordWrap(false);
    m_records->setMinimumHeight(140);
    layout->addWidget(m_records);

    m_histogram = new QCustomPlot(this);
    m_histogram->setMinimumHeight(160);
    layout->addWidget(m_histogram);

    auto* worker = new DatasetPreviewWorker;
    worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, worker, &QObject::deleteLater);
    connect(this, &DatasetPreviewPane::previewRequested, worker, &DatasetPreviewWorker::preview);
    connect(worker, &DatasetPreviewWorker::ready, this, &DatasetPreviewPane::show);
    m_thread.setObjectName(QStringLiteral("dataset-preview"));
    m_thread.start();

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(kDebounceMs);
    connect(&m_debounce, &QTimer::timeout, this, [this] {
        m_pending.generation = ++m_generation;
        m_last = m_pending;
        m_status->setText(tr("Reading %1…").arg(m_pending.path));
        Q_EMIT previewRequested(m_pending);
    });
    setVisible(false);
}

DatasetPreviewPane::~DatasetPreviewPane()
{
    m_thread.quit();
    m_thread.wait();
}

void DatasetPreviewPane::request(DatasetPreviewRequest request)
{
    const bool same = request.kind == m_last.kind && request.path == m_last.path &&
                      request.fieldsJson == m_last.fieldsJson &&
                      request.tokenizerPath == m_last.tokenizerPath;
    if (request.path.isEmpty()) {
        m_debounce.stop();
        ++m_generation; // an answer still on its way is stale now
        m_last = {};
        setVisible(false);
        return;
    }
    setVisible(true);
    if (same && !m_debounce.isActive())
        return;
    m_pending = std::move(request);
    m_debounce.start();
}

void DatasetPreviewPane::show(const DatasetPreviewResult& result)
{
    if (result.generation != m_generation)
        return;
    m_result = result;
    m_records->setRowCount(0);
    m_histogram->clearPlottables();
    if (!result.error.isEmpty()) {
        m_status->setText(tr("Cannot preview: %1").arg(result.error));
        m_histogram->replot();
        Q_EMIT shown();
        return;
    }
    QString status = tr("%1 records read").arg(result.recordsRead);
    if (result.recordsSkipped > 0)
        status += tr(", %1 malformed lines skipped").arg(result.recordsSkipped);
    status += tr("; lengths of the first %1 in %2").arg(result.measured).arg(result.lengthUnit);
    if (!result.tokenizerNote.isEmpty())
        status += tr(" (tokenizer not loaded: %1)").arg(result.tokenizerNote);
    m_status->setText(status);

    m_records->setRowCount(static_cast<int>(result.records.size()));
    for (int row = 0; row < result.records.size(); ++row) {
        const auto& record = result.records[row];
        auto* prompt = new QTableWidgetItem(shortened(record.prompt));
        prompt->setToolTip(record.prompt);
        auto* continuation = new QTableWidgetItem(shortened(record.continuation));
        continuation->setToolTip(record.continuation);
        m_records->setItem(row, 0, prompt);
        m_records->setItem(row, 1, continuation);
    }

    auto* bars = new QCPBars(m_histogram->xAxis, m_histogram->yAxis);
    const double width = result.binStarts.size() > 0
                             ? (result.binEnd - result.binStarts.front()) /
                                   static_cast<double>(result.binStarts.size())
                             : 1.0;
    QList<double> centres;
    for (const double start : result.binStarts)
        centres.append(start + width / 2);
    bars->setWidth(width);
    bars->setData(centres, result.binCounts, /*alreadySorted=*/true);
    bars->setBrush(QColor(52, 120, 200, 160));
    const bool perRecord = m_last.kind == QLatin1String("instruction_jsonl");
    m_histogram->xAxis->setLabel(perRecord ? tr("%1 per record (prompt + continuation)")
                                                 .arg(result.lengthUnit)
                                           : tr("%1 per document").arg(result.lengthUnit));
    m_histogram->yAxis->setLabel(perRecord ? tr("records") : tr("documents"));
    const double tallest = result.binCounts.isEmpty()
                               ? 1.0
                               : *std::max_element(result.binCounts.begin(),
                                                   result.binCounts.end());
    m_histogram->yAxis->setRange(0, tallest * 1.15); // headroom above the tallest bar
    if (!result.binStarts.isEmpty())
        m_histogram->xAxis->setRange(result.binStarts.front() - width, result.binEnd + width);
    m_histogram->replot();
    Q_EMIT shown();
}

} // namespace cpo::ui
