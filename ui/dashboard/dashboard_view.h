#pragma once

#include "dashboard/run_history.h"
#include "dashboard/smoothing.h"

#include <QtCore/QSet>
#include <QtCore/QTimer>
#include <QtCore/QVector>
#include <QtWidgets/QWidget>

#include <cstdint>
#include <map>
#include <span>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGridLayout;
class QTextStream;

namespace cpo::ui {

class MetricPlot;

struct RunLabel {
    std::int64_t id = 0;
    QString name;
};

// The live training dashboard: one plot per metric family, every shown run overlaid. It takes
// plain values, so live events (through the engine bridge) and series read from the store feed
// it alike. Points are appended in place to the plots' data containers; however fast they
// come, the plots redraw on one coalescing timer, at most 25 times a second.
class DashboardView : public QWidget {
    Q_OBJECT

public:
    static constexpr int kRedrawIntervalMs = 40;

    explicit DashboardView(QWidget* parent = nullptr);
    ~DashboardView() override;

    // The runs overlaid, in legend order. Runs no longer listed are dropped with their data;
    // runs that points arrive for without being listed are added under "run ID".
    void setRuns(const QVector<RunLabel>& runs);
    // Appends points of one series ("mle/loss", "cpo/an/reward", or a clock: "mle/tokens",
    // "mle/elapsed_s") of one run; steps increase within a series.
    void appendPoints(std::int64_t runId, const QString& key, std::span<const std::int64_t> steps,
                      std::span<const double> values);
    void clearRun(std::int64_t runId);

    void setXAxis(XAxis axis);
    void setSmoothing(SmoothingSettings settings);
    void setLogScale(bool on);

    // Every series of every shown run, or of one plot's family (`family` ≥ 0), as CSV.
    void writeCsv(QTextStream& out, int family = -1) const;

    // For tests and benchmarks.
    MetricPlot* plot(int family) const { return m_plots.value(family); }
    int plotCount() const { return static_cast<int>(m_plots.size()); }
    const RunHistory* history(std::int64_t runId) const;
    int redrawCount() const { return m_redraws; }
    // Fits the dirty plots to their data now and queues their replots, as the timer would at
    // its next tick.
    void flushNow();

Q_SIGNALS:
    void redrawn();

private:
    struct Run {
        RunLabel label;
        int index = 0;
        RunHistory history;
        int unplaced = 0; // points waiting for their phase's clock (tokens / wall time axis)
    };
    QWidget* buildControls();
    Run& ensureRun(std::int64_t runId);
    void placePoints(Run& run, const QString& key, std::size_t from);
    void redrawRun(Run& run); // every curve of the run again, from its history
    void redrawAll();
    void restyleRuns();
    void scheduleRedraw();
    void replotNext();
    void exportCsvFor(int family);

    std::map<std::int64_t, Run> m_runs;
    QVector<MetricPlot*> m_plots;
    QSet<MetricPlot*> m_dirty;
    QVector<MetricPlot*> m_replotQueue; // drawn one per event-loop pass
    QTimer m_redrawTimer;
    int m_redraws = 0;
    XAxis m_xAxis = XAxis::Step;
    SmoothingSettings m_smoothing;
    bool m_logScale = false;

    QComboBox* m_xAxisChoice = nullptr;
    QComboBox* m_smoothingChoice = nullptr;
    QDoubleSpinBox* m_smoothingAmount = nullptr;
    QCheckBox* m_logChoice = nullptr;
};

} // namespace cpo::ui
