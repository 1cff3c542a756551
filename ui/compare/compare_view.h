#pragma once

#include "compare/run_comparison_values.h"

#include <QtWidgets/QWidget>

class QComboBox;
class QCustomPlot;
class QLabel;
class QTableView;

namespace cpo::ui {

class DifferenceTableModel;

// Two or more runs compared: the fields their experiments differ in, above one metric of
// every run overlaid (a metric chosen from their series) and each run's final win rates.
class CompareView : public QWidget {
    Q_OBJECT

public:
    explicit CompareView(QWidget* parent = nullptr);

    void setComparison(const RunComparison& comparison);
    void setSeries(const ComparedSeries& series);
    void showProblem(const QString& message);

    DifferenceTableModel* differenceModel() const { return m_differences; }
    QCustomPlot* plot() const { return m_plot; }
    QString winRatesText() const;

Q_SIGNALS:
    void seriesRequested(const QList<qint64>& runIds, const QString& key);

private:
    QComboBox* m_metric = nullptr;
    QTableView* m_table = nullptr;
    DifferenceTableModel* m_differences = nullptr;
    QCustomPlot* m_plot = nullptr;
    QLabel* m_winRates = nullptr;
    QLabel* m_status = nullptr;
    RunComparison m_comparison;
};

} // namespace cpo::ui
