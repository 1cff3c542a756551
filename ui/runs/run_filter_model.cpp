#include "runs/run_filter_model.h"

#include "runs/run_table_model.h"

namespace cpo::ui {

RunFilterModel::RunFilterModel(QObject* parent) : QSortFilterProxyModel(parent)
{
    setSortRole(RunTableModel::SortRole);
    setDynamicSortFilter(true);
}

void RunFilterModel::setSearchText(const QString& text)
{
    m_search = text.trimmed();
    invalidateRowsFilter();
}

void RunFilterModel::setStatusFilter(const QString& status)
{
    m_status = status;
    invalidateRowsFilter();
}

bool RunFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    const auto* model = sourceModel();
    if (!m_status.isEmpty()) {
        const auto status =
            model->index(sourceRow, 0, sourceParent).data(RunTableModel::StatusRole).toString();
        if (status != m_status)
            return false;
    }
    if (m_search.isEmpty())
        return true;
    for (const int column : {RunTableModel::Name, RunTableModel::Sampler, RunTableModel::Tags,
                             RunTableModel::Notes}) {
        const auto text = model->index(sourceRow, column, sourceParent).data().toString();
        if (text.contains(m_search, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

} // namespace cpo::ui
