#pragma once

#include "dashboard/metric_families.h"
#include "dashboard/smoothing.h"

#include "dashboard/qcustomplot_include.h"

#include <cstdint>
#include <limits>
#include <map>
#include <utility>

namespace cpo::ui {

// The two graphs of one curve of one run: the raw points (drawn faintly while smoothing is
// on) and their smoothed copy, grown in place point by point.
struct CurveGraphs {
    QCPGraph* raw = nullptr;
    QCPGraph* smooth = nullptr;
    Smoother smoother;
    double minValue = std::numeric_limits<double>::infinity();
    double maxValue = -std::numeric_limits<double>::infinity();
    double minPositive = std::numeric_limits<double>::infinity(); // the log scale's floor
};

// How a run's curves look: its place among the overlaid runs gives its colour or dashes.
struct RunStyle {
    int index = 0;
    QString name;
    bool several = false; // more than one run shown: legends name the run
};

// One plot of the dashboard: one metric family, every overlaid run's curves of it. Follows
// the data until the user zooms or drags; a double-click resets the view and follows again.
// Hovering shows each curve's value at the pointer; the context menu exports the plot.
class MetricPlot : public QCustomPlot {
    Q_OBJECT

public:
    MetricPlot(MetricFamily family, QWidget* parent = nullptr);

    const MetricFamily& family() const { return m_family; }
    // The graphs of curve `curve` of run `runId`, created (styled, empty) on first use.
    CurveGraphs& curveGraphs(std::int64_t runId, int curve, const RunStyle& style);
    CurveGraphs* findCurve(std::int64_t runId, int curve);
    void clearRun(std::int64_t runId);  // empties the run's graphs, keeping them
    void removeRun(std::int64_t runId);
    void restyleRun(std::int64_t runId, const RunStyle& style);

    // Appends points already placed on the x axis; smoothed values follow from the curve's
    // smoother.
    void appendPoints(CurveGraphs& graphs, const QVector<double>& xs,
                      const QVector<double>& values);

    void setSmoothing(SmoothingSettings settings); // takes effect for points appended next
    void setLogScale(bool on);
    void setXAxisLabel(const QString& label);
    bool following() const { return m_following; }
    // Fits the view to the data when the plot follows it (the user has not zoomed or dragged).
    void fitIfFollowing();
    // fitIfFollowing, then a replot queued for the next event-loop pass.
    void refresh();
    void resetView();

Q_SIGNALS:
    void csvExportRequested(cpo::ui::MetricPlot* plot);

protected:
    void mousePressEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;
    void leaveEvent(QEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void styleCurve(CurveGraphs& graphs, int curve, const RunStyle& style);
    void styleBandEdge(CurveGraphs& graphs, QColor colour, bool filled);
    void applyPalette();
    void exportImage(bool pdf);
    void fitToData();
    void showReadout(const QPoint& position);

    MetricFamily m_family;
    std::map<std::pair<std::int64_t, int>, CurveGraphs> m_curves;
    SmoothingSettings m_smoothing;
    bool m_following = true;
    bool m_logScale = false;
    QCPItemStraightLine* m_cursor = nullptr;
};

} // namespace cpo::ui
