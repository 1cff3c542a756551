#include "judging/judged_table_model.h"

#include "eval/human_agreement.h"

#include <QtGui/QColor>

namespace cpo::ui {
namespace {

QString verdictName(eval::Verdict verdict)
{
    switch (verdict) {
    case eval::Verdict::Win:
        return QStringLiteral("win");
    case eval::Verdict::Tie:
        return QStringLiteral("tie");
    case eval::Verdict::Loss:
        break;
    }
    return QStringLiteral("loss");
}

QColor verdictColour(const QString& verdict)
{
    if (verdict == QLatin1String("win"))
        return QColor(198, 239, 206);
    if (verdict == QLatin1String("loss"))
        return QColor(255, 199, 206);
    if (verdict == QLatin1String("tie"))
        return QColor(255, 235, 156);
    return {};
}

} // namespace

void JudgedTableModel::setData(const engine::JudgedExamples& data)
{
    beginResetModel();
    m_data = data;
    endResetModel();
    setVotes(m_data.votes);
}

void JudgedTableModel::setVotes(std::vector<store::HumanVoteRecord> votes)
{
    m_data.votes = std::move(votes);
    m_human.clear();
    for (const auto& [generation, verdict] : eval::humanVerdicts(m_data.votes))
        m_human[generation] = verdictName(verdict);
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, columnCount() - 1),
                           index(rowCount() - 1, columnCount() - 1));
}

QString JudgedTableModel::humanVerdict(int row) const
{
    const auto found = m_human.find(m_data.rows.at(static_cast<std::size_t>(row)).generationId);
    return found == m_human.end() ? QString() : found->second;
}

int JudgedTableModel::judgeColumn(const QString& judge) const
{
    for (std::size_t j = 0; j < m_data.judges.size(); ++j)
        if (QString::fromStdString(m_data.judges[j]) == judge)
            return FirstJudge + static_cast<int>(j);
    return judge == tr("human") ? columnCount() - 1 : -1;
}

int JudgedTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_data.rows.size());
}

int JudgedTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : FirstJudge + static_cast<int>(m_data.judges.size()) + 1;
}

QVariant JudgedTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const auto& row = m_data.rows[static_cast<std::size_t>(index.row())];
    if (role == kRowRole)
        return index.row();
    if (role == kDisagreeRole)
        return row.judgesDisagree();
    QString verdict;
    const bool isVerdict = index.column() >= FirstJudge;
    if (isVerdict) {
        const auto judge = static_cast<std::size_t>(index.column() - FirstJudge);
        if (judge < m_data.judges.size()) {
            const auto found = row.verdicts.find(m_data.judges[judge]);
            verdict = found == row.verdicts.end() ? QString()
                                                  : QString::fromStdString(found->second);
        } else {
            verdict = humanVerdict(index.row());
        }
    }
    if (role == Qt::BackgroundRole && isVerdict) {
        const QColor colour = verdictColour(verdict);
        return colour.isValid() ? QVariant(colour) : QVariant();
    }
    if (role == Qt::ForegroundRole && isVerdict && !verdict.isEmpty())
        return QColor(Qt::black);
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    switch (index.column()) {
    case Model:
        return QString::fromStdString(row.model);
    case Step:
        return static_cast<qlonglong>(row.step);
    case Category:
        return QString::fromStdString(row.category);
    case Prompt:
        return role == Qt::ToolTipRole ? QString::fromStdString(row.prompt)
                                       : QString::fromStdString(row.prompt).simplified().left(80);
    default:
        return verdict.isEmpty() ? QStringLiteral("—") : verdict;
    }
}

QVariant JudgedTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole || orientation != Qt::Horizontal)
        return {};
    switch (section) {
    case Model:
        return tr("Model");
    case Step:
        return tr("Step");
    case Category:
        return tr("Category");
    case Prompt:
        return tr("Prompt");
    default:
        break;
    }
    const auto judge = static_cast<std::size_t>(section - FirstJudge);
    if (section < FirstJudge || section >= columnCount())
        return {};
    return judge < m_data.judges.size() ? QString::fromStdString(m_data.judges[judge])
                                        : tr("human");
}

} // namespace cpo::ui
