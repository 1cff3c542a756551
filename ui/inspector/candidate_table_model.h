#pragma once

#include "inspector/inspected_sample_set.h"

#include <QtCore/QAbstractTableModel>

#include <vector>

namespace cpo::ui {

// A sample set's candidates side by side: one column per candidate (the ground truth first,
// or all by reward), one row per figure (strategy, reward, log-probs, similarity, rank,
// tokens). Display text in Qt::DisplayRole, the number itself in Qt::UserRole.
class CandidateTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Row { Strategy, Reward, PolicyLogProb, ReferenceLogProb, Similarity, Rank, Tokens,
               RowCount };

    using QAbstractTableModel::QAbstractTableModel;

    void setSampleSet(const InspectedSampleSet& set);
    // Candidates by reward, highest first, or in the set's own order (y1 first).
    void setSortedByReward(bool sorted);
    bool sortedByReward() const { return m_sortedByReward; }
    // The set's candidate index shown in `column`.
    int candidateAt(int column) const { return m_order.at(static_cast<std::size_t>(column)); }
    const InspectedSampleSet& sampleSet() const { return m_set; }

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // "y1" for the ground truth, the strategy ("MN") for a negative.
    static QString candidateLabel(const store::CandidateRecord& candidate);

private:
    void reorder();
    QVariant value(const store::CandidateRecord& candidate, int row) const;

    InspectedSampleSet m_set;
    std::vector<int> m_order; // column → candidate index
    bool m_sortedByReward = false;
};

} // namespace cpo::ui
