#include "judging/judged_filter_model.h"

#include "judging/judged_table_model.h"

namespace cpo::ui {

void JudgedFilterModel::setModelFilter(const QString& model)
{
    m_model = model;
    invalidateFilter();
}

void JudgedFilterModel::setCategoryFilter(const QString& category)
{
    m_category = category;
    invalidateFilter();
}

void JudgedFilterModel::setJudgeFilter(const QString& judge)
{
    m_judge = judge;
    invalidateFilter();
}

void JudgedFilterModel::setDisagreementOnly(bool only)
{
    m_disagreementOnly = only;
    invalidateFilter();
}

bool JudgedFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    const auto* source = sourceModel();
    const auto cell = [&](int column) { return source->index(sourceRow, column, sourceParent); };
    if (!m_model.isEmpty() && cell(JudgedTableModel::Model).data().toString() != m_model)
        return false;
    if (!m_category.isEmpty()
        && cell(JudgedTableModel::Category).data().toString() != m_category)
        return false;
    if (!m_judge.isEmpty()) {
        const auto* judged = qobject_cast<const JudgedTableModel*>(source);
        const int column = judged ? judged->judgeColumn(m_judge) : -1;
        if (column < 0 || cell(column).data().toString() == QStringLiteral("—"))
            return false;
    }
    if (m_disagreementOnly
        && !cell(JudgedTableModel::Model).data(JudgedTableModel::kDisagreeRole).toBool())
        return false;
    return true;
}

} // namespace cpo::ui
