#pragma once

#include "judging/judged_table_model.h"
#include "store/evaluation_store.h"

#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtWidgets/QWidget>

#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QTableView;
class QTextBrowser;

namespace cpo::ui {

class JudgedFilterModel;
class VotingPanel;

// The judging view: a run's generations against the ground truth with every judge's
// verdict, filterable by model, category, judge and disagreement; a row opens its prompt,
// both texts and what each judge answered. Beside it the blind A/B voting panel over the
// rows shown, and the human win rate with its agreement (Cohen's κ) with each judge beside
// the judges' own win rates. It shows what it is handed and forwards votes as signals.
class JudgingView : public QWidget {
    Q_OBJECT

public:
    explicit JudgingView(QWidget* parent = nullptr);

    void setRuns(const QList<QPair<qint64, QString>>& runs);
    void selectRun(qint64 runId);
    std::optional<qint64> currentRun() const;
    void setData(qint64 runId, const engine::JudgedExamples& judged);
    // The store's answer to a vote the panel cast.
    void voteStored(qint64 generationId, qint64 voteId);
    void showProblem(const QString& message);

    JudgedTableModel* tableModel() const { return m_model; }
    JudgedFilterModel* filterModel() const { return m_filter; }
    VotingPanel* votingPanel() const { return m_panel; }
    QString agreementText() const;
    // "N generations, J judges, V votes", or the last problem shown.
    QString statusText() const;

Q_SIGNALS:
    void runChosen(qint64 runId);
    void voteCast(const cpo::store::HumanVoteRecord& vote);
    void voteUndone(qint64 voteId);

private:
    void refreshFilters();
    void refreshVoting();
    void refreshAgreement();
    void refreshStatus();
    void showRow(const QModelIndex& index);

    QComboBox* m_runs = nullptr;
    QComboBox* m_modelBox = nullptr;
    QComboBox* m_categoryBox = nullptr;
    QComboBox* m_judgeBox = nullptr;
    QCheckBox* m_disagreement = nullptr;
    QTableView* m_table = nullptr;
    QTextBrowser* m_detail = nullptr;
    QLabel* m_agreement = nullptr;
    QLabel* m_status = nullptr;
    JudgedTableModel* m_model = nullptr;
    JudgedFilterModel* m_filter = nullptr;
    VotingPanel* m_panel = nullptr;
    qint64 m_runId = 0;
};

} // namespace cpo::ui
