#include "dashboard/metric_plot.h"

#include <QtWidgets/QFileDialog>
#include <QtWidgets/QMenu>
#include <QtWidgets/QToolTip>

#include <array>
#include <cmath>

namespace cpo::ui {
namespace {

// Tableau 10: distinct on light and dark backgrounds alike.
constexpr std::array<QRgb, 10> kColours = {0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f,
                                           0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac};
constexpr std::array<Qt::PenStyle, 4> kRunDashes = {Qt::SolidLine, Qt::DashLine, Qt::DotLine,
                                                    Qt::DashDotLine};
constexpr int kRawAlpha = 70; // the raw curve under its smoothed copy
constexpr double kPointMarkerSize = 6; // pixels: a marked point of a few-point curve

QString formatValue(double value)
{
    return std::isfinite(value) ? QString::number(value, 'g', 5) : QStringLiteral("—");
}

// The data point of `graph` nearest to `x`, if it has any.
std::optional<QCPGraphData> nearestPoint(const QCPGraph* graph, double x)
{
    const auto data = graph->data();
    if (data->isEmpty())
        return std::nullopt;
    auto it = data->findBegin(x, true);
    auto next = it + 1;
    if (next != data->constEnd() && std::abs(next->key - x) < std::abs(it->key - x))
        it = next;
    return *it;
}

} // namespace

MetricPlot::MetricPlot(MetricFamily family, QWidget* parent)
    : QCustomPlot(parent), m_family(std::move(family))
{
    if (!m_family.smoothable)
        m_smoothing.kind = SmoothingKind::None;
    setMinimumHeight(200);
    setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    setNoAntialiasingOnDrag(true);
    setPlottingHint(QCP::phFastPolylines, true);
    plotLayout()->insertRow(0);
    QFont titleFont = font();
    titleFont.setBold(true);
    auto* title = new QCPTextElement(this, m_family.title, titleFont);
    plotLayout()->addElement(0, 0, title);
    yAxis->setLabel(m_family.unit);
    // Steps and tokens are whole numbers: ticks at 127.5 would name no step. (Wall time's
    // seconds tick at whole seconds too.)
    auto wholeTicks = QSharedPointer<QCPAxisTickerFixed>::create();
    wholeTicks->setTickStep(1.0);
    wholeTicks->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    xAxis->setTicker(wholeTicks);
    legend->setVisible(false);
    legend->setIconSize(18, 8);
    QFont legendFont = font();
    legendFont.setPointSizeF(legendFont.pointSizeF() * 0.85);
    legend->setFont(legendFont);
    legend->setRowSpacing(-2);
    axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    m_cursor = new QCPItemStraightLine(this);
    m_cursor->setVisible(false);
    m_cursor->setSelectable(false);
    applyPalette();
}

void MetricPlot::applyPalette()
{
    const QPalette pal = palette();
    const QColor text = pal.color(QPalette::Text);
    QColor grid = text;
    grid.setAlpha(40);
    setBackground(pal.brush(QPalette::Base));
    for (QCPAxis* axis : {xAxis, yAxis}) {
        axis->setBasePen(QPen(text));
        axis->setTickPen(QPen(text));
        axis->setSubTickPen(QPen(text));
        axis->setTickLabelColor(text);
        axis->setLabelColor(text);
        axis->grid()->setPen(QPen(grid, 0, Qt::DotLine));
    }
    if (auto* title = qobject_cast<QCPTextElement*>(plotLayout()->element(0, 0)))
        title->setTextColor(text);
    QColor legendBackground = pal.color(QPalette::Base);
    legendBackground.setAlpha(200);
    legend->setBrush(legendBackground);
    legend->setBorderPen(QPen(grid));
    legend->setTextColor(text);
    QColor cursor = text;
    cursor.setAlpha(90);
    m_cursor->setPen(QPen(cursor, 0, Qt::DashLine));
}

void MetricPlot::changeEvent(QEvent* event)
{
    QCustomPlot::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPalette();
        replot(rpQueuedReplot);
    }
}

CurveGraphs* MetricPlot::findCurve(std::int64_t runId, int curve)
{
    const auto it = m_curves.find({runId, curve});
    return it == m_curves.end() ? nullptr : &it->second;
}

CurveGraphs& MetricPlot::curveGraphs(std::int64_t runId, int curve, const RunStyle& style)
{
    if (auto* existing = findCurve(runId, curve))
        return *existing;
    CurveGraphs graphs{addGraph(), addGraph(), Smoother(m_smoothing)};
    for (QCPGraph* graph : {graphs.raw, graphs.smooth}) {
        graph->setAdaptiveSampling(true);
        graph->setSelectable(QCP::stNone);
    }
    auto& stored = m_curves.emplace(std::make_pair(runId, curve), std::move(graphs)).first->second;
    styleCurve(stored, curve, style);
    if (const int lower = m_family.curves[curve].fillTo; lower >= 0)
        stored.raw->setChannelFillGraph(curveGraphs(runId, lower, style).raw);
    return stored;
}

void MetricPlot::styleCurve(CurveGraphs& graphs, int curve, const RunStyle& style)
{
    const bool oneCurve = m_family.curves.size() == 1;
    const auto& spec = m_family.curves[curve];
    const int colourOf = spec.bandOf >= 0 ? spec.bandOf : curve;
    QColor colour(kColours[static_cast<std::size_t>(oneCurve ? style.index : colourOf) %
                           kColours.size()]);
    if (spec.bandOf >= 0) {
        styleBandEdge(graphs, colour, spec.fillTo >= 0);
        return;
    }
    QPen pen(colour, 1.0); // wider pens stroke jagged curves very slowly (Qt raster)
    if (!oneCurve)
        pen.setStyle(kRunDashes[static_cast<std::size_t>(style.index) % kRunDashes.size()]);
    const bool smoothing = m_smoothing.kind != SmoothingKind::None;
    QPen rawPen(colour, 1.0);
    if (smoothing)
        rawPen.setColor(QColor(colour.red(), colour.green(), colour.blue(), kRawAlpha));
    graphs.raw->setPen(smoothing ? rawPen : pen);
    // A noisy raw curve antialiased under its smoothed copy costs most of a replot (many
    // blended vertical strokes) and shows nothing the aliased one does not.
    graphs.raw->setAntialiased(!smoothing);
    graphs.smooth->setPen(pen);
    graphs.smooth->setVisible(smoothing);
    // Few exact points (win rates): a line alone would hide a phase's single final point.
    if (!m_family.smoothable)
        graphs.raw->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, kPointMarkerSize));

    QString name = m_family.curves[curve].label;
    if (oneCurve)
        name = style.name;
    else if (style.several)
        name = style.name + QStringLiteral(" · ") + name;
    graphs.raw->setName(name);
    graphs.smooth->setName(name);
    graphs.raw->removeFromLegend();
    graphs.smooth->removeFromLegend();
    (smoothing ? graphs.smooth : graphs.raw)->addToLegend();
    legend->setVisible(legend->itemCount() > 1 || !oneCurve);
}

void MetricPlot::styleBandEdge(CurveGraphs& graphs, QColor colour, bool filled)
{
    constexpr int kBandAlpha = 50;
    graphs.raw->setPen(QPen(QColor(colour.red(), colour.green(), colour.blue(), kBandAlpha)));
    if (filled)
        graphs.raw->setBrush(QColor(colour.red(), colour.green(), colour.blue(), kBandAlpha));
    graphs.smooth->setVisible(false);
    graphs.raw->removeFromLegend();
    graphs.smooth->removeFromLegend();
}

void MetricPlot::restyleRun(std::int64_t runId, const RunStyle& style)
{
    for (auto& [id, graphs] : m_curves)
        if (id.first == runId)
            styleCurve(graphs, id.second, style);
}

void MetricPlot::clearRun(std::int64_t runId)
{
    for (auto& [id, graphs] : m_curves) {
        if (id.first != runId)
            continue;
        graphs.raw->data()->clear();
        graphs.smooth->data()->clear();
        graphs.smoother = Smoother(m_smoothing);
        graphs.minValue = graphs.minPositive = std::numeric_limits<double>::infinity();
        graphs.maxValue = -std::numeric_limits<double>::infinity();
    }
}

void MetricPlot::removeRun(std::int64_t runId)
{
    for (auto it = m_curves.begin(); it != m_curves.end();) {
        if (it->first.first != runId) {
            ++it;
            continue;
        }
        removeGraph(it->second.raw);
        removeGraph(it->second.smooth);
        it = m_curves.erase(it);
    }
    legend->setVisible(legend->itemCount() > 1 || m_family.curves.size() > 1);
}

void MetricPlot::appendPoints(CurveGraphs& graphs, const QVector<double>& xs,
                              const QVector<double>& values)
{
    QVector<QCPGraphData> raw;
    QVector<QCPGraphData> smooth;
    raw.reserve(xs.size());
    const bool smoothing = m_smoothing.kind != SmoothingKind::None;
    if (smoothing)
        smooth.reserve(xs.size());
    for (qsizetype i = 0; i < xs.size(); ++i) {
        const double value = values[i];
        raw.append({xs[i], value});
        if (smoothing)
            smooth.append({xs[i], graphs.smoother.push(value)});
        if (std::isfinite(value)) {
            graphs.minValue = std::min(graphs.minValue, value);
            graphs.maxValue = std::max(graphs.maxValue, value);
            if (value > 0)
                graphs.minPositive = std::min(graphs.minPositive, value);
        }
    }
    graphs.raw->data()->add(raw, true);
    if (smoothing)
        graphs.smooth->data()->add(smooth, true);
}

void MetricPlot::setSmoothing(SmoothingSettings settings)
{
    m_smoothing = m_family.smoothable ? settings : SmoothingSettings{SmoothingKind::None};
    for (auto& [id, graphs] : m_curves)
        graphs.smoother = Smoother(settings);
}

void MetricPlot::setLogScale(bool on)
{
    m_logScale = on;
    yAxis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (on)
        yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    else
        yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
}

void MetricPlot::setXAxisLabel(const QString& label) { xAxis->setLabel(label); }

void MetricPlot::fitToData()
{
    double xMin = std::numeric_limits<double>::infinity();
    double xMax = -xMin;
    double yMin = xMin;
    double yMax = -xMin;
    for (const auto& [id, graphs] : m_curves) {
        const auto data = graphs.raw->data();
        if (data->isEmpty())
            continue;
        xMin = std::min(xMin, data->constBegin()->key);
        xMax = std::max(xMax, (data->constEnd() - 1)->key);
        yMin = std::min(yMin, m_logScale ? graphs.minPositive : graphs.minValue);
        yMax = std::max(yMax, graphs.maxValue);
    }
    if (!std::isfinite(xMin) || !std::isfinite(yMin) || !std::isfinite(yMax))
        return;
    if (xMax <= xMin)
        xMax = xMin + 1.0;
    if (!m_family.smoothable) {
        // Markers (win rates) at the first and the last step would be cut in half at the
        // plot's edges: a margin either side.
        const double margin = 0.04 * (xMax - xMin);
        xMin -= margin;
        xMax += margin;
    }
    xAxis->setRange(xMin, xMax);
    if (m_logScale) {
        yAxis->setRange(yMin / 1.2, std::max(yMax, yMin) * 1.2);
    } else {
        const double pad = yMax > yMin ? 0.05 * (yMax - yMin) : std::max(1e-9, std::abs(yMax));
        yAxis->setRange(yMin - pad, yMax + pad);
    }
}

void MetricPlot::fitIfFollowing()
{
    if (m_following)
        fitToData();
}

void MetricPlot::refresh()
{
    fitIfFollowing();
    replot(rpQueuedReplot);
}

void MetricPlot::resetView()
{
    m_following = true;
    refresh();
}

void MetricPlot::mousePressEvent(QMouseEvent* event)
{
    if (event->button() == Qt::LeftButton)
        m_following = false; // the user drags: keep the view where they put it
    QCustomPlot::mousePressEvent(event);
}

void MetricPlot::wheelEvent(QWheelEvent* event)
{
    m_following = false;
    QCustomPlot::wheelEvent(event);
}

void MetricPlot::mouseDoubleClickEvent(QMouseEvent* event)
{
    QCustomPlot::mouseDoubleClickEvent(event);
    resetView();
}

void MetricPlot::mouseMoveEvent(QMouseEvent* event)
{
    QCustomPlot::mouseMoveEvent(event);
    if (event->buttons() == Qt::NoButton)
        showReadout(event->pos());
}

void MetricPlot::leaveEvent(QEvent* event)
{
    QCustomPlot::leaveEvent(event);
    m_cursor->setVisible(false);
    replot(rpQueuedReplot);
}

void MetricPlot::showReadout(const QPoint& position)
{
    if (!axisRect()->rect().contains(position)) {
        m_cursor->setVisible(false);
        QToolTip::hideText();
        replot(rpQueuedReplot);
        return;
    }
    const double x = xAxis->pixelToCoord(position.x());
    QStringList lines;
    double shownX = x;
    for (const auto& [id, graphs] : m_curves) {
        const QCPGraph* shown = graphs.smooth->visible() ? graphs.smooth : graphs.raw;
        const auto point = nearestPoint(shown, x);
        if (!point)
            continue;
        shownX = point->key;
        QString line = shown->name() + QStringLiteral(": ") + formatValue(point->value);
        if (graphs.smooth->visible())
            if (const auto raw = nearestPoint(graphs.raw, x))
                line += QStringLiteral(" (raw %1)").arg(formatValue(raw->value));
        lines << line;
    }
    if (lines.isEmpty())
        return;
    lines.prepend(QStringLiteral("<b>%1 %2</b>").arg(xAxis->label(), formatValue(shownX)));
    m_cursor->point1->setCoords(shownX, 0);
    m_cursor->point2->setCoords(shownX, 1);
    m_cursor->setVisible(true);
    replot(rpQueuedReplot);
    const QString text = QStringLiteral("<p style='white-space:pre'>%1</p>")
                             .arg(lines.join(QStringLiteral("<br>")));
    QToolTip::showText(mapToGlobal(position + QPoint(16, 16)), text, this);
}

void MetricPlot::contextMenuEvent(QContextMenuEvent* event)
{
    QMenu menu(this);
    menu.addAction(tr("Reset view"), this, &MetricPlot::resetView);
    menu.addSeparator();
    menu.addAction(tr("Export PNG…"), this, [this] { exportImage(false); });
    menu.addAction(tr("Export PDF…"), this, [this] { exportImage(true); });
    menu.addAction(tr("Export CSV…"), this, [this] { Q_EMIT csvExportRequested(this); });
    menu.exec(event->globalPos());
}

void MetricPlot::exportImage(bool pdf)
{
    const QString filter = pdf ? tr("PDF (*.pdf)") : tr("PNG image (*.png)");
    QString path = QFileDialog::getSaveFileName(this, tr("Export plot"),
                                                m_family.title + (pdf ? ".pdf" : ".png"), filter);
    if (path.isEmpty())
        return;
    const bool saved = pdf ? savePdf(path) : savePng(path, 0, 0, 2.0);
    if (!saved)
        QToolTip::showText(QCursor::pos(), tr("Could not write %1").arg(path), this);
}

} // namespace cpo::ui
