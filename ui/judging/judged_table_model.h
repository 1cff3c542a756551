#pragma once

#include "engine/judged_examples.h"

#include <QtCore/QAbstractTableModel>
#include <QtCore/QMetaType>
#include <QtCore/QStringList>

#include <map>

namespace cpo::ui {

// The generations of a run's evaluations against their ground truth, one row per model
// continuation of one example: its model, step, category and prompt, each judge's verdict
// and the human one (from the blind votes). Qt::UserRole on any cell gives the row's index
// into the data; Qt::UserRole + 1 whether its judges disagree.
class JudgedTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { Model, Step, Category, Prompt, FirstJudge };
    static constexpr int kRowRole = Qt::UserRole;
    static constexpr int kDisagreeRole = Qt::UserRole + 1;

    using QAbstractTableModel::QAbstractTableModel;

    void setData(const engine::JudgedExamples& data);
    // The votes changed (one cast or taken back): the human column follows.
    void setVotes(std::vector<store::HumanVoteRecord> votes);
    const engine::JudgedExamples& judged() const { return m_data; }
    // The human verdict ("win", "tie", "loss") of a row's generation; "" without votes.
    QString humanVerdict(int row) const;
    // The column of a judge's verdicts (the human's is the last); -1 when there is none.
    int judgeColumn(const QString& judge) const;

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    engine::JudgedExamples m_data;
    std::map<std::int64_t, QString> m_human; // generation → verdict
};

} // namespace cpo::ui

Q_DECLARE_METATYPE(cpo::engine::JudgedExamples)
Q_DECLARE_METATYPE(cpo::store::HumanVoteRecord)
