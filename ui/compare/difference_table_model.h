#pragma once

#include "compare/run_comparison_values.h"

#include <QtCore/QAbstractTableModel>

namespace cpo::ui {

// The experiment fields the compared runs differ in: one row per field (its JSON path as the
// row header), one column per run.
class DifferenceTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    using QAbstractTableModel::QAbstractTableModel;

    void setComparison(const RunComparison& comparison);

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    std::vector<engine::ExperimentDifference> m_differences;
    QStringList m_runs;
};

} // namespace cpo::ui
