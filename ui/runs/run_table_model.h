#pragma once

#include "engine/run_catalog.h"

#include <QtCore/QAbstractTableModel>
#include <QtCore/QList>

#include <cstdint>
#include <string>
#include <vector>

namespace cpo::ui {

// The run browser's table: one row per run of the catalog, newest first. Rows are updated in
// place as the store changes (a run's steps grow, its status moves on), so selection and
// scroll position survive a refresh. Tags and notes are edited in place; the edit is shown at
// once and handed on (tagsEdited / notesEdited) for the catalog's worker to store.
class RunTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        Name, Status, Sampler, Beta, K, Steps, ValLoss, CpoAccuracy, Started, Duration, Tags,
        Notes, ColumnCount
    };
    enum Role {
        RunIdRole = Qt::UserRole,   // qint64
        SortRole,                   // numbers as numbers, for the proxy
        StatusRole                  // the status name ("running"; "abandoned" when it is)
    };

    using QAbstractTableModel::QAbstractTableModel;

    // Replaces the rows with `runs` (newest first), touching only what changed.
    void setRuns(std::vector<engine::RunListEntry> runs);
    const engine::RunListEntry& run(int row) const { return m_runs[static_cast<size_t>(row)]; }
    int rowOf(std::int64_t runId) const; // -1 when absent

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

    // How a status reads in the table: "running", "running (abandoned)", ...
    static QString statusText(const engine::RunListEntry& run);

Q_SIGNALS:
    void tagsEdited(qint64 runId, const QStringList& tags);
    void notesEdited(qint64 runId, const QString& notes);

private:
    QVariant display(const engine::RunListEntry& run, int column) const;
    QVariant sortKey(const engine::RunListEntry& run, int column) const;

    std::vector<engine::RunListEntry> m_runs;
};

// True when every field the table shows is equal.
bool sameRow(const engine::RunListEntry& a, const engine::RunListEntry& b);

} // namespace cpo::ui
