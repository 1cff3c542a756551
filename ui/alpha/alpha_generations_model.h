#pragma once

#include "alpha/alpha_values.h"

#include <QtCore/QAbstractTableModel>

namespace cpo::ui {

// One α's continuations beside the ground truth and another α's, one row per prompt (joined
// on the example), each continuation with its verdict.
class AlphaGenerationsModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { Prompt, GroundTruth, Shown, Other, ColumnCount };

    using QAbstractTableModel::QAbstractTableModel;

    void setGenerations(const AlphaGenerations& generations);

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    AlphaGenerations m_generations;
    std::vector<const store::GenerationRecord*> m_otherOf; // per shown row, or null
};

} // namespace cpo::ui
