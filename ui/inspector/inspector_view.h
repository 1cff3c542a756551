#pragma once

#include "inspector/inspected_sample_set.h"
#include "inspector/token_colours.h"

#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QTimer>
#include <QtWidgets/QWidget>

#include <optional>
#include <vector>

class QCheckBox;
class QComboBox;
class QHBoxLayout;
class QLabel;
class QSlider;
class QTableView;

namespace cpo::ui {

class CandidateTableModel;
class ColourLegend;
class TokenView;

// The candidate inspector: a run's sample sets, one example at a time, its prompt on top and
// the ground truth beside each negative, with their strategy, reward, log-probs, similarity
// and rank, and each token coloured by log π_θ, log π_ref or their difference. The step
// slider (and the arrow keys) follows the chosen example through training: to the run's
// later sample sets of the same prompt, and to its checkpoints, under which the example's
// candidates are scored again (by the worker, off the GUI thread). It only shows what it is
// handed and asks for what it needs through signals.
class InspectorView : public QWidget {
    Q_OBJECT

public:
    // One position of the step slider.
    struct Stop {
        qint64 step = 0;
        qint64 sampleSetId = 0;                     // the set shown (or scored again)
        std::optional<InspectorCheckpoint> checkpoint; // scored again under it
    };

    explicit InspectorView(QWidget* parent = nullptr);
    ~InspectorView() override;

    // The runs to choose from (id, name), newest first.
    void setRuns(const QList<QPair<qint64, QString>>& runs);
    void selectRun(qint64 runId);
    std::optional<qint64> currentRun() const;
    // The chosen run's sample sets and checkpoints, again whenever they grew.
    void setIndex(const InspectorIndex& index);
    // What the worker answered for the last request.
    void showSampleSet(const InspectedSampleSet& set);
    void showProblem(const QString& message);

    void setFollowLatest(bool follow);
    void setColouring(TokenColouring colouring);
    void setSortedByReward(bool sorted);

    // For tests and the benchmark.
    CandidateTableModel* candidateModel() const { return m_model; }
    QSlider* stepSlider() const { return m_slider; }
    const std::vector<Stop>& stops() const { return m_stops; }
    int tokenColumnCount() const { return static_cast<int>(m_columns.size()); }
    TokenView* tokenColumn(int column) const;

Q_SIGNALS:
    void runChosen(qint64 runId);
    void sampleSetRequested(const cpo::ui::InspectorRequest& request);
    // A set is on screen, coloured (after showSampleSet laid it out).
    void sampleSetShown(qint64 sampleSetId);

protected:
    void keyPressEvent(QKeyEvent* event) override;

private:
    void chooseExample(int exampleIndex, bool atLatest);
    void rebuildStops(bool atLatest);
    void requestStop();
    void refreshColumns();
    void refreshStepLabel();

    QComboBox* m_runs = nullptr;
    QComboBox* m_examples = nullptr;
    QCheckBox* m_follow = nullptr;
    QComboBox* m_colouringBox = nullptr;
    QCheckBox* m_sortByReward = nullptr;
    QLabel* m_prompt = nullptr;
    QSlider* m_slider = nullptr;
    QLabel* m_stepLabel = nullptr;
    QLabel* m_status = nullptr;
    QTableView* m_table = nullptr;
    CandidateTableModel* m_model = nullptr;
    ColourLegend* m_legend = nullptr;
    QHBoxLayout* m_columnsLayout = nullptr;
    std::vector<QWidget*> m_columns; // one per candidate, in the model's column order
    QTimer m_requestTimer;           // coalesces a slider drag into one request

    InspectorIndex m_index;
    std::vector<QString> m_examplePrompts; // distinct prompts, by first step
    std::vector<Stop> m_stops;
    TokenColouring m_colouring = TokenColouring::Difference;
    std::optional<qint64> m_shownSet;
};

} // namespace cpo::ui
