#pragma once

#include "alpha/alpha_values.h"

#include <QtWidgets/QWidget>

#include <array>
#include <optional>

class QCPGraph;
class QColor;
class QCustomPlot;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableView;

namespace cpo::ui {

class AlphaGenerationsModel;

// The α-sweep view: win rate against α with its 95 % interval as a band, one curve per run
// (the runs selected in the run browser, overlaid), each run's best α starred. Clicking a
// point asks for that α's generations, shown beside the ground truth and the best α's (or
// the next one's) for the same prompts. A sweep of the chosen run can be launched from here
// (α list, judge, prompts) and followed with a progress bar, cancellable; the view only
// forwards the request.
class AlphaSweepView : public QWidget {
    Q_OBJECT

public:
    explicit AlphaSweepView(QWidget* parent = nullptr);

    void setCurves(const AlphaCurves& curves);
    void showGenerations(const AlphaGenerations& generations);
    void setSweepProgress(int done, int total);
    void sweepEnded(const QString& message);
    void showProblem(const QString& message);

    // As a click on the point does.
    void choosePoint(int curve, int point);

    QCustomPlot* plot() const { return m_plot; }
    // The curve's win-rate graph and its band's low and high edges.
    QCPGraph* rateGraph(int curve) const;
    QCPGraph* bandGraph(int curve, bool high) const;
    // The curve's NLL per token on the oracle task (second y axis): the teacher's NLL of the
    // α models' samples (quality) and their NLL of held-out teacher samples (coverage); null
    // when the sweep stored none.
    QCPGraph* qualityGraph(int curve) const;
    QCPGraph* coverageGraph(int curve) const;
    AlphaGenerationsModel* generationsModel() const { return m_generations; }

Q_SIGNALS:
    // The α of a curve's point and the one to show beside it (evaluation ids of the store).
    void generationsRequested(qint64 evaluationId, double alpha, qint64 otherEvaluationId,
                              double otherAlpha);
    void sweepRequested(const cpo::ui::AlphaSweepLaunch& launch);
    void cancelRequested();

private:
    void launch();
    // Draws a curve's quality and coverage on the second y axis; returns their graphs.
    std::array<QCPGraph*, 2> addOracleGraphs(const AlphaCurve& curve, const QColor& colour);
    void fitOracleAxis();
    // The point of the curve at the clicked graph's data index.
    void chooseByKey(int curve, const QCPGraph* graph, int dataIndex);

    QCustomPlot* m_plot = nullptr;
    QTableView* m_table = nullptr;
    AlphaGenerationsModel* m_generations = nullptr;
    QLineEdit* m_alphas = nullptr;
    QLineEdit* m_judge = nullptr;
    QSpinBox* m_examples = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_cancel = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    AlphaCurves m_curves;
    std::vector<std::array<QCPGraph*, 3>> m_graphs; // per curve: low, high, rate
    std::vector<std::array<QCPGraph*, 2>> m_oracleGraphs; // per curve: quality, coverage
};

} // namespace cpo::ui
