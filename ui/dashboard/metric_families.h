#pragma once

#include <QtCore/QString>
#include <QtCore/QVector>

#include <optional>

namespace cpo::ui {

// One curve of a plot: a run store series key ("mle/loss", "cpo/an/reward") and its label.
struct MetricCurve {
    QString key;
    QString label;
    // An edge of another curve's interval band: that curve's index (its colour); the upper
    // edge also names the lower one (`fillTo`), down to which the band is filled. Edges are
    // not in the legend. -1: a curve of its own.
    int bandOf = -1;
    int fillTo = -1;
};

// One plot of the dashboard: a metric family and the series it draws. Keys are the run
// store's (engine/run_recorder.cpp, train::namedValues), so live events and stored series
// land on the same curves.
struct MetricFamily {
    QString title;
    QString unit; // the value axis' label
    QVector<MetricCurve> curves;
    bool smoothable = true; // false: drawn raw whatever the smoothing (few, exact points)
};

// Every plot of the dashboard, in display order.
const QVector<MetricFamily>& metricFamilies();

// Where `key` is drawn: the family's index and the curve's index within it; nullopt for
// series the dashboard keeps (for CSV export) but does not draw.
struct CurvePlace {
    int family = 0;
    int curve = 0;
};
std::optional<CurvePlace> curvePlace(const QString& key);

// The run's phase a key belongs to: the part before the first '/'.
QString phaseOfKey(const QString& key);

} // namespace cpo::ui
