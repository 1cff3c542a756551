#include "compare/difference_table_model.h"

namespace cpo::ui {

void DifferenceTableModel::setComparison(const RunComparison& comparison)
{
    beginResetModel();
    m_differences = comparison.differences;
    m_runs = comparison.names;
    endResetModel();
}

int DifferenceTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_differences.size());
}

int DifferenceTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_runs.size());
}

QVariant DifferenceTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid) || role != Qt::DisplayRole)
        return {};
    const auto& values = m_differences[static_cast<std::size_t>(index.row())].values;
    const auto column = static_cast<std::size_t>(index.column());
    if (column >= values.size() || values[column].empty())
        return QStringLiteral("—");
    return QString::fromStdString(values[column]);
}

QVariant DifferenceTableModel::headerData(int section, Qt::Orientation orientation,
                                          int role) const
{
    if (role != Qt::DisplayRole || section < 0)
        return {};
    if (orientation == Qt::Horizontal)
        return section < m_runs.size() ? QVariant(m_runs.at(section)) : QVariant();
    return section < rowCount()
               ? QVariant(QString::fromStdString(
                     m_differences[static_cast<std::size_t>(section)].path))
               : QVariant();
}

} // namespace cpo::ui
