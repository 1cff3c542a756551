#include "dashboard/dashboard_view.h"

#include "dashboard/csv_export.h"
#include "dashboard/metric_families.h"
#include "dashboard/metric_plot.h"

#include <QtCore/QFile>
#include <QtCore/QTextStream>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDoubleSpinBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QGridLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QScrollArea>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QVBoxLayout>

namespace cpo::ui {
namespace {

constexpr int kColumns = 2;

QString axisLabel(XAxis axis)
{
    switch (axis) {
    case XAxis::Step:
        return QObject::tr("step");
    case XAxis::Tokens:
        return QObject::tr("tokens");
    case XAxis::WallTime:
        return QObject::tr("seconds");
    }
    return {};
}

} // namespace

DashboardView::DashboardView(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(buildControls());

    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* grid = new QWidget(scroll);
    auto* gridLayout = new QGridLayout(grid);
    gridLayout->setContentsMargins(0, 0, 0, 0);
    gridLayout->setSpacing(6);
    const auto& families = metricFamilies();
    for (int f = 0; f < families.size(); ++f) {
        auto* plot = new MetricPlot(families[f], grid);
        plot->setXAxisLabel(axisLabel(m_xAxis));
        plot->setSmoothing(m_smoothing);
        connect(plot, &MetricPlot::csvExportRequested, this,
                [this, f](MetricPlot*) { exportCsvFor(f); });
        gridLayout->addWidget(plot, f / kColumns, f % kColumns);
        m_plots.append(plot);
    }
    scroll->setWidget(grid);
    layout->addWidget(scroll, 1);

    m_redrawTimer.setSingleShot(true);
    m_redrawTimer.setInterval(kRedrawIntervalMs);
    connect(&m_redrawTimer, &QTimer::timeout, this, &DashboardView::flushNow);
}

DashboardView::~DashboardView() = default;

QWidget* DashboardView::buildControls()
{
    auto* bar = new QWidget(this);
    auto* layout = new QHBoxLayout(bar);
    layout->setContentsMargins(0, 0, 0, 0);

    m_xAxisChoice = new QComboBox(bar);
    m_xAxisChoice->addItem(tr("Step"), int(XAxis::Step));
    m_xAxisChoice->addItem(tr("Tokens"), int(XAxis::Tokens));
    m_xAxisChoice->addItem(tr("Wall time"), int(XAxis::WallTime));
    connect(m_xAxisChoice, &QComboBox::currentIndexChanged, this, [this] {
        setXAxis(static_cast<XAxis>(m_xAxisChoice->currentData().toInt()));
    });

    m_smoothingChoice = new QComboBox(bar);
    m_smoothingChoice->addItem(tr("No smoothing"), int(SmoothingKind::None));
    m_smoothingChoice->addItem(tr("EMA"), int(SmoothingKind::Ema));
    m_smoothingChoice->addItem(tr("Moving average"), int(SmoothingKind::MovingAverage));
    m_smoothingChoice->setCurrentIndex(1);
    m_smoothingAmount = new QDoubleSpinBox(bar);
    m_smoothingAmount->setToolTip(tr("EMA: weight of the past (0–0.999); moving average: "
                                     "points in the window"));
    m_smoothingAmount->setRange(0.0, 0.999);
    m_smoothingAmount->setDecimals(3);
    m_smoothingAmount->setSingleStep(0.05);
    m_smoothingAmount->setValue(m_smoothing.emaWeight);
    const auto applySmoothing = [this] {
        SmoothingSettings settings = m_smoothing;
        settings.kind = static_cast<SmoothingKind>(m_smoothingChoice->currentData().toInt());
        if (settings.kind == SmoothingKind::Ema)
            settings.emaWeight = m_smoothingAmount->value();
        else if (settings.kind == SmoothingKind::MovingAverage)
            settings.window = static_cast<std::size_t>(m_smoothingAmount->value());
        setSmoothing(settings);
    };
    connect(m_smoothingChoice, &QComboBox::currentIndexChanged, this, [this, applySmoothing] {
        const auto kind = static_cast<SmoothingKind>(m_smoothingChoice->currentData().toInt());
        const QSignalBlocker block(m_smoothingAmount);
        m_smoothingAmount->setEnabled(kind != SmoothingKind::None);
        if (kind == SmoothingKind::MovingAverage) {
            m_smoothingAmount->setRange(1, 10000);
            m_smoothingAmount->setDecimals(0);
            m_smoothingAmount->setSingleStep(5);
            m_smoothingAmount->setValue(static_cast<double>(m_smoothing.window));
        } else {
            m_smoothingAmount->setRange(0.0, 0.999);
            m_smoothingAmount->setDecimals(3);
            m_smoothingAmount->setSingleStep(0.05);
            m_smoothingAmount->setValue(m_smoothing.emaWeight);
        }
        applySmoothing();
    });
    connect(m_smoothingAmount, &QDoubleSpinBox::valueChanged, this, applySmoothing);

    m_logChoice = new QCheckBox(tr("Log scale"), bar);
    connect(m_logChoice, &QCheckBox::toggled, this, &DashboardView::setLogScale);

    auto* exportCsv = new QPushButton(tr("Export CSV…"), bar);
    exportCsv->setToolTip(tr("Every series of the shown runs, one point per row"));
    connect(exportCsv, &QPushButton::clicked, this, [this] { exportCsvFor(-1); });

    layout->addWidget(new QLabel(tr("X axis:"), bar));
    layout->addWidget(m_xAxisChoice);
    layout->addSpacing(12);
    layout->addWidget(new QLabel(tr("Smoothing:"), bar));
    layout->addWidget(m_smoothingChoice);
    layout->addWidget(m_smoothingAmount);
    layout->addSpacing(12);
    layout->addWidget(m_logChoice);
    layout->addStretch(1);
    auto* hint = new QLabel(tr("Drag to pan, wheel to zoom, double-click to follow"), bar);
    hint->setEnabled(false);
    // Wrapped where the dock is narrow: on one line it alone would widen the window's minimum.
    hint->setWordWrap(true);
    hint->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    layout->addWidget(hint);
    layout->addWidget(exportCsv);
    return bar;
}

DashboardView::Run& DashboardView::ensureRun(std::int64_t runId)
{
    auto it = m_runs.find(runId);
    if (it != m_runs.end())
        return it->second;
    Run& run = m_runs[runId];
    run.label = {runId, tr("run %1").arg(runId)};
    run.index = static_cast<int>(m_runs.size()) - 1;
    if (m_runs.size() == 2)
        restyleRuns(); // legends now name the runs
    return run;
}

void DashboardView::setRuns(const QVector<RunLabel>& runs)
{
    for (auto it = m_runs.begin(); it != m_runs.end();) {
        const bool listed = std::any_of(runs.begin(), runs.end(),
                                        [&](const RunLabel& r) { return r.id == it->first; });
        if (listed) {
            ++it;
            continue;
        }
        for (MetricPlot* plot : m_plots)
            plot->removeRun(it->first);
        it = m_runs.erase(it);
    }
    for (int i = 0; i < runs.size(); ++i) {
        Run& run = m_runs[runs[i].id];
        run.label = runs[i];
        run.index = i;
    }
    restyleRuns();
}

void DashboardView::restyleRuns()
{
    const bool several = m_runs.size() > 1;
    for (auto& [id, run] : m_runs)
        for (MetricPlot* plot : m_plots)
            plot->restyleRun(id, {run.index, run.label.name, several});
    for (MetricPlot* plot : m_plots)
        m_dirty.insert(plot);
    scheduleRedraw();
}

void DashboardView::clearRun(std::int64_t runId)
{
    const auto it = m_runs.find(runId);
    if (it == m_runs.end())
        return;
    it->second.history = RunHistory();
    it->second.unplaced = 0;
    for (MetricPlot* plot : m_plots) {
        plot->clearRun(runId);
        m_dirty.insert(plot);
    }
    scheduleRedraw();
}

void DashboardView::appendPoints(std::int64_t runId, const QString& key,
                                 std::span<const std::int64_t> steps,
                                 std::span<const double> values)
{
    if (steps.empty() || steps.size() != values.size())
        return;
    Run& run = ensureRun(runId);
    const auto* before = run.history.series(key);
    const std::size_t from = before ? before->steps.size() : 0;
    const bool moved = run.history.append(key, steps, values);
    const bool clockArrived = m_xAxis != XAxis::Step && run.unplaced > 0 &&
                              RunHistory::isClockKey(key);
    if (moved || clockArrived)
        redrawRun(run);
    else
        placePoints(run, key, from);
}

void DashboardView::placePoints(Run& run, const QString& key, std::size_t from)
{
    const auto place = curvePlace(key);
    if (!place)
        return;
    const auto* series = run.history.series(key);
    QVector<double> xs;
    QVector<double> values;
    xs.reserve(static_cast<qsizetype>(series->steps.size() - from));
    values.reserve(xs.capacity());
    for (std::size_t i = from; i < series->steps.size(); ++i) {
        const auto x = run.history.x(key, series->steps[i], m_xAxis);
        if (!x) {
            ++run.unplaced;
            continue;
        }
        xs.append(*x);
        values.append(series->values[i]);
    }
    MetricPlot* plot = m_plots[place->family];
    auto& graphs = plot->curveGraphs(run.label.id, place->curve,
                                     {run.index, run.label.name, m_runs.size() > 1});
    plot->appendPoints(graphs, xs, values);
    m_dirty.insert(plot);
    scheduleRedraw();
}

void DashboardView::redrawRun(Run& run)
{
    run.unplaced = 0;
    for (MetricPlot* plot : m_plots)
        plot->clearRun(run.label.id);
    for (const QString& key : run.history.keys())
        placePoints(run, key, 0);
}

void DashboardView::redrawAll()
{
    for (auto& [id, run] : m_runs)
        redrawRun(run);
    for (MetricPlot* plot : m_plots)
        m_dirty.insert(plot);
    scheduleRedraw();
}

void DashboardView::setXAxis(XAxis axis)
{
    if (axis == m_xAxis)
        return;
    m_xAxis = axis;
    if (m_xAxisChoice->currentData().toInt() != int(axis)) {
        const QSignalBlocker block(m_xAxisChoice);
        m_xAxisChoice->setCurrentIndex(m_xAxisChoice->findData(int(axis)));
    }
    for (MetricPlot* plot : m_plots) {
        plot->setXAxisLabel(axisLabel(axis));
        plot->resetView();
    }
    redrawAll();
}

void DashboardView::setSmoothing(SmoothingSettings settings)
{
    m_smoothing = settings;
    for (MetricPlot* plot : m_plots)
        plot->setSmoothing(settings);
    restyleRuns(); // raw curves fade or come back
    redrawAll();
}

void DashboardView::setLogScale(bool on)
{
    m_logScale = on;
    if (m_logChoice->isChecked() != on) {
        const QSignalBlocker block(m_logChoice);
        m_logChoice->setChecked(on);
    }
    for (MetricPlot* plot : m_plots) {
        plot->setLogScale(on);
        plot->resetView();
    }
}

void DashboardView::scheduleRedraw()
{
    if (!m_redrawTimer.isActive())
        m_redrawTimer.start();
}

void DashboardView::flushNow()
{
    m_redrawTimer.stop();
    if (m_dirty.isEmpty())
        return;
    const bool drawing = !m_replotQueue.isEmpty();
    for (MetricPlot* plot : std::as_const(m_dirty)) {
        plot->fitIfFollowing();
        if (!m_replotQueue.contains(plot))
            m_replotQueue.append(plot);
    }
    m_dirty.clear();
    if (!drawing)
        QTimer::singleShot(0, this, &DashboardView::replotNext);
    ++m_redraws;
    Q_EMIT redrawn();
}

// One plot per pass: ten plots drawn back to back would hold the GUI thread for all ten, so
// input and other timers get their turn in between.
void DashboardView::replotNext()
{
    if (m_replotQueue.isEmpty())
        return;
    m_replotQueue.takeFirst()->replot(QCustomPlot::rpRefreshHint);
    if (!m_replotQueue.isEmpty())
        QTimer::singleShot(0, this, &DashboardView::replotNext);
}

const RunHistory* DashboardView::history(std::int64_t runId) const
{
    const auto it = m_runs.find(runId);
    return it == m_runs.end() ? nullptr : &it->second.history;
}

void DashboardView::writeCsv(QTextStream& out, int family) const
{
    std::vector<CsvSeries> series;
    for (const auto& [id, run] : m_runs) {
        for (const QString& key : run.history.keys()) {
            if (family >= 0) {
                const auto place = curvePlace(key);
                if (!place || place->family != family)
                    continue;
            }
            const auto* s = run.history.series(key);
            series.push_back({id, run.label.name, key, &s->steps, &s->values});
        }
    }
    writeSeriesCsv(out, series);
}

void DashboardView::exportCsvFor(int family)
{
    const QString suggested = family >= 0 ? metricFamilies()[family].title + ".csv"
                                          : QStringLiteral("metrics.csv");
    const QString path = QFileDialog::getSaveFileName(this, tr("Export CSV"), suggested,
                                                      tr("CSV (*.csv)"));
    if (path.isEmpty())
        return;
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) {
        QMessageBox::warning(this, tr("Export CSV"),
                             tr("Could not write %1: %2").arg(path, file.errorString()));
        return;
    }
    QTextStream out(&file);
    writeCsv(out, family);
}

} // namespace cpo::ui
