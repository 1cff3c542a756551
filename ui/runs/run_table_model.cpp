#include "runs/run_table_model.h"

#include <QtCore/QDateTime>
#include <QtWidgets/QApplication>
#include <QtWidgets/QStyle>

#include <algorithm>
#include <unordered_set>

namespace cpo::ui {
namespace {

QString joined(const std::vector<std::string>& words)
{
    QStringList out;
    for (const auto& word : words)
        out << QString::fromStdString(word);
    return out.join(QStringLiteral(", "));
}

// "1:02:03", "4:05" (minutes and seconds) from milliseconds.
QString duration(std::int64_t ms)
{
    const std::int64_t seconds = std::max<std::int64_t>(0, ms / 1000);
    const auto h = seconds / 3600;
    const auto m = seconds / 60 % 60;
    const auto s = seconds % 60;
    return h > 0 ? QStringLiteral("%1:%2:%3").arg(h).arg(m, 2, 10, QLatin1Char('0'))
                                             .arg(s, 2, 10, QLatin1Char('0'))
                 : QStringLiteral("%1:%2").arg(m).arg(s, 2, 10, QLatin1Char('0'));
}

std::int64_t elapsedMs(const engine::RunListEntry& run)
{
    const std::int64_t end = run.finishedAt ? *run.finishedAt
                                            : QDateTime::currentMSecsSinceEpoch();
    return end - run.createdAt;
}

template <typename T>
QVariant optional(const std::optional<T>& value)
{
    return value ? QVariant::fromValue(*value) : QVariant();
}

} // namespace

bool sameRow(const engine::RunListEntry& a, const engine::RunListEntry& b)
{
    return a.id == b.id && a.name == b.name && a.status == b.status &&
           a.abandoned == b.abandoned && a.sampler == b.sampler && a.beta == b.beta &&
           a.k == b.k && a.stepsDone == b.stepsDone && a.finalValLoss == b.finalValLoss &&
           a.cpoAccuracy == b.cpoAccuracy && a.createdAt == b.createdAt &&
           a.finishedAt == b.finishedAt && a.tags == b.tags && a.notes == b.notes &&
           a.runDir == b.runDir && a.remote == b.remote;
}

void RunTableModel::setRuns(std::vector<engine::RunListEntry> runs)
{
    std::unordered_set<std::int64_t> incoming;
    for (const auto& run : runs)
        incoming.insert(run.id);
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const int row = static_cast<int>(i);
        // Runs gone from the store (deleted) leave; the rest keep their relative order.
        while (i < m_runs.size() && m_runs[i].id != runs[i].id && !incoming.count(m_runs[i].id)) {
            beginRemoveRows({}, row, row);
            m_runs.erase(m_runs.begin() + row);
            endRemoveRows();
        }
        if (i < m_runs.size() && m_runs[i].id == runs[i].id) {
            if (!sameRow(m_runs[i], runs[i])) {
                m_runs[i] = std::move(runs[i]);
                Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
            }
        } else if (i < m_runs.size() &&
                   std::any_of(m_runs.begin() + row, m_runs.end(),
                               [&](const auto& r) { return r.id == runs[i].id; })) {
            // The order itself changed (not something the catalog does): start over.
            beginResetModel();
            m_runs = std::move(runs);
            endResetModel();
            return;
        } else {
            beginInsertRows({}, row, row);
            m_runs.insert(m_runs.begin() + row, std::move(runs[i]));
            endInsertRows();
        }
    }
    if (m_runs.size() > runs.size()) {
        beginRemoveRows({}, static_cast<int>(runs.size()), static_cast<int>(m_runs.size()) - 1);
        m_runs.resize(runs.size());
        endRemoveRows();
    }
}

int RunTableModel::rowOf(std::int64_t runId) const
{
    for (std::size_t i = 0; i < m_runs.size(); ++i)
        if (m_runs[i].id == runId)
            return static_cast<int>(i);
    return -1;
}

int RunTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_runs.size());
}

int RunTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString RunTableModel::statusText(const engine::RunListEntry& run)
{
    const QString status = QString::fromUtf8(store::statusName(run.status));
    if (run.remote)
        return status + QStringLiteral(" (remote)");
    return run.abandoned ? status + QStringLiteral(" (abandoned)") : status;
}

QVariant RunTableModel::display(const engine::RunListEntry& run, int column) const
{
    switch (column) {
    case Name: return QString::fromStdString(run.name);
    case Status: return statusText(run);
    case Sampler: return QString::fromStdString(run.sampler);
    case Beta: return run.beta ? QVariant(QString::number(*run.beta, 'g', 4)) : QVariant();
    case K: return optional(run.k);
    case Steps: return QVariant::fromValue(run.stepsDone);
    case ValLoss:
        return run.finalValLoss ? QVariant(QString::number(*run.finalValLoss, 'f', 4))
                                : QVariant();
    case CpoAccuracy:
        return run.cpoAccuracy ? QVariant(QString::number(*run.cpoAccuracy, 'f', 3))
                               : QVariant();
    case Started:
        return QDateTime::fromMSecsSinceEpoch(run.createdAt)
            .toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    case Duration: return duration(elapsedMs(run));
    case Tags: return joined(run.tags);
    case Notes: return QString::fromStdString(run.notes);
    default: return {};
    }
}

QVariant RunTableModel::sortKey(const engine::RunListEntry& run, int column) const
{
    switch (column) {
    case Beta: return optional(run.beta);
    case ValLoss: return optional(run.finalValLoss);
    case CpoAccuracy: return optional(run.cpoAccuracy);
    case Started: return QVariant::fromValue(run.createdAt);
    case Duration: return QVariant::fromValue(elapsedMs(run));
    default: return display(run, column);
    }
}

QVariant RunTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& run = m_runs[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole: return display(run, index.column());
    case Qt::EditRole:
        if (index.column() == Tags || index.column() == Notes)
            return display(run, index.column());
        return {};
    case Qt::ToolTipRole:
        if (index.column() == Notes && !run.notes.empty())
            return QString::fromStdString(run.notes);
        if (index.column() == Status && run.abandoned)
            return tr("Its process died while it ran: resume it from the context menu");
        if ((index.column() == Name || index.column() == Status) && run.remote)
            return tr("Mirrored from run %1 on %2: read-only here (it trains there)")
                .arg(run.remote->runId)
                .arg(QString::fromStdString(run.remote->host));
        return {};
    case Qt::DecorationRole:
        if (index.column() == Name && run.remote)
            return QApplication::style()->standardIcon(QStyle::SP_DriveNetIcon);
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() >= Beta && index.column() <= CpoAccuracy)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case RunIdRole: return QVariant::fromValue(run.id);
    case SortRole: return sortKey(run, index.column());
    case StatusRole:
        return run.abandoned ? QStringLiteral("abandoned")
                             : QString::fromUtf8(store::statusName(run.status));
    default: return {};
    }
}

QVariant RunTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const QStringList headers{tr("Name"),     tr("Status"),   tr("Sampler"),
                                     tr("β"),        tr("K"),        tr("Steps"),
                                     tr("Val loss"), tr("CPO acc."), tr("Started"),
                                     tr("Duration"), tr("Tags"),     tr("Notes")};
    return section >= 0 && section < headers.size() ? QVariant(headers[section]) : QVariant();
}

Qt::ItemFlags RunTableModel::flags(const QModelIndex& index) const
{
    Qt::ItemFlags flags = QAbstractTableModel::flags(index);
    if (index.isValid() && (index.column() == Tags || index.column() == Notes))
        flags |= Qt::ItemIsEditable;
    return flags;
}

bool RunTableModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (role != Qt::EditRole || !checkIndex(index, CheckIndexOption::IndexIsValid) ||
        (index.column() != Tags && index.column() != Notes)) {
        return false;
    }
    auto& run = m_runs[static_cast<std::size_t>(index.row())];
    if (index.column() == Tags) {
        QStringList tags;
        for (const auto& tag : value.toString().split(QLatin1Char(','), Qt::SkipEmptyParts))
            if (!tag.trimmed().isEmpty())
                tags << tag.trimmed();
        run.tags.clear();
        for (const auto& tag : tags)
            run.tags.push_back(tag.toStdString());
        Q_EMIT dataChanged(index, index);
        Q_EMIT tagsEdited(run.id, tags);
    } else {
        run.notes = value.toString().toStdString();
        Q_EMIT dataChanged(index, index);
        Q_EMIT notesEdited(run.id, value.toString());
    }
    return true;
}

} // namespace cpo::ui
