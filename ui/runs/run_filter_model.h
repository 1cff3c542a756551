#pragma once

#include <QtCore/QSortFilterProxyModel>

namespace cpo::ui {

// The run browser's sorting and filtering: a text search over name, sampler, tags and notes
// (case-insensitive), and a status filter ("" = all; "abandoned" = runs whose process died).
class RunFilterModel : public QSortFilterProxyModel {
    Q_OBJECT

public:
    explicit RunFilterModel(QObject* parent = nullptr);

    void setSearchText(const QString& text);
    void setStatusFilter(const QString& status);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    QString m_search;
    QString m_status;
};

} // namespace cpo::ui
