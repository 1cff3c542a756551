#pragma once

#include "judging/judged_table_model.h"

#include <QtCore/QString>
#include <QtWidgets/QWidget>

#include <cstdint>
#include <optional>
#include <vector>

class QLabel;
class QLineEdit;
class QProgressBar;
class QTextBrowser;

namespace cpo::ui {

// Blind A/B human judging by keyboard: the prompt, then the model's continuation and the
// ground truth as "A" and "B" in the order eval::blindOrder picks for this voter (recorded
// with the vote), the model's name nowhere on screen until the vote is cast. 1: A is better,
// 2: B is better, 0: a tie; ← → move without voting; U takes the last vote back. Votes go out
// as signals (the store keeps them per voter); the panel keeps count of what this voter voted.
class VotingPanel : public QWidget {
    Q_OBJECT

public:
    explicit VotingPanel(QWidget* parent = nullptr);

    void setVoter(const QString& voter);
    QString voter() const;
    // The continuations to vote on, and the votes already stored (this voter's count).
    void setItems(std::vector<engine::JudgedExample> items,
                  const std::vector<store::HumanVoteRecord>& votes);
    // The store's id for the vote just cast on `generationId`: what undo takes back.
    void voteStored(qint64 generationId, qint64 voteId);

    int currentItem() const { return m_current; }
    int votedCount() const;
    // "1", "2" or "0", as the keys say; false when there is nothing to vote on.
    bool vote(const QString& key);
    bool undo();

Q_SIGNALS:
    void voteCast(const cpo::store::HumanVoteRecord& vote);
    void voteUndone(qint64 voteId);

protected:
    void keyPressEvent(QKeyEvent* event) override;

private:
    struct Cast {
        int item = 0;
        qint64 generationId = 0;
        std::optional<qint64> voteId; // once the store answered
    };

    void showItem(int item);
    void refreshProgress();

    QLineEdit* m_voter = nullptr;
    QProgressBar* m_progress = nullptr;
    QTextBrowser* m_prompt = nullptr;
    QTextBrowser* m_a = nullptr;
    QTextBrowser* m_b = nullptr;
    QLabel* m_reveal = nullptr;
    std::vector<engine::JudgedExample> m_items;
    std::vector<bool> m_voted;
    std::vector<Cast> m_history; // this session's votes, newest last
    int m_current = -1;
};

} // namespace cpo::ui
