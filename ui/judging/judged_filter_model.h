#pragma once

#include <QtCore/QSortFilterProxyModel>
#include <QtCore/QString>

namespace cpo::ui {

// Filters a JudgedTableModel by model, category and judge (rows that judge gave a verdict
// on), and to the rows where the judges disagree. An empty filter lets everything through.
class JudgedFilterModel : public QSortFilterProxyModel {
    Q_OBJECT

public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    void setModelFilter(const QString& model);
    void setCategoryFilter(const QString& category);
    void setJudgeFilter(const QString& judge);
    void setDisagreementOnly(bool only);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    QString m_model;
    QString m_category;
    QString m_judge;
    bool m_disagreementOnly = false;
};

} // namespace cpo::ui
