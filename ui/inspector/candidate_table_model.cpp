#include "inspector/candidate_table_model.h"

#include <QtGui/QFont>

#include <algorithm>
#include <numeric>

namespace cpo::ui {
namespace {

std::optional<double> sum(const std::vector<float>& values)
{
    if (values.empty())
        return std::nullopt;
    return std::accumulate(values.begin(), values.end(), 0.0);
}

QVariant number(std::optional<double> value)
{
    return value ? QVariant(*value) : QVariant();
}

} // namespace

void CandidateTableModel::setSampleSet(const InspectedSampleSet& set)
{
    beginResetModel();
    m_set = set;
    reorder();
    endResetModel();
}

void CandidateTableModel::setSortedByReward(bool sorted)
{
    if (sorted == m_sortedByReward)
        return;
    beginResetModel();
    m_sortedByReward = sorted;
    reorder();
    endResetModel();
}

void CandidateTableModel::reorder()
{
    const auto& candidates = m_set.set.candidates;
    m_order.resize(candidates.size());
    std::iota(m_order.begin(), m_order.end(), 0);
    if (!m_sortedByReward)
        return;
    // Unscored candidates go last; equal rewards keep the set's order.
    std::stable_sort(m_order.begin(), m_order.end(), [&candidates](int a, int b) {
        const auto& ra = candidates[static_cast<std::size_t>(a)].reward;
        const auto& rb = candidates[static_cast<std::size_t>(b)].reward;
        return ra.has_value() && (!rb.has_value() || *ra > *rb);
    });
}

int CandidateTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || m_order.empty() ? 0 : RowCount;
}

int CandidateTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_order.size());
}

QString CandidateTableModel::candidateLabel(const store::CandidateRecord& candidate)
{
    if (candidate.role == store::CandidateRole::GroundTruth)
        return QStringLiteral("y1");
    return QString::fromStdString(candidate.strategy).toUpper();
}

QVariant CandidateTableModel::value(const store::CandidateRecord& candidate, int row) const
{
    switch (row) {
    case Strategy:
        return candidate.role == store::CandidateRole::GroundTruth
                   ? tr("ground truth")
                   : tr("%1 negative").arg(candidateLabel(candidate));
    case Reward:
        return number(candidate.reward);
    case PolicyLogProb:
        return number(sum(candidate.logpTheta));
    case ReferenceLogProb:
        return number(sum(candidate.logpRef));
    case Similarity:
        return number(candidate.similarity);
    case Rank:
        return candidate.rank ? QVariant(*candidate.rank) : QVariant();
    case Tokens:
        return static_cast<int>(candidate.tokenIds.size());
    default:
        return {};
    }
}

QVariant CandidateTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const auto& candidate =
        m_set.set.candidates[static_cast<std::size_t>(candidateAt(index.column()))];
    const QVariant raw = value(candidate, index.row());
    switch (role) {
    case Qt::UserRole:
        return raw;
    case Qt::DisplayRole:
        if (!raw.isValid())
            return QStringLiteral("—");
        if (raw.typeId() == QMetaType::Double)
            return QString::number(raw.toDouble(), 'f', index.row() == Similarity ? 3 : 2);
        return raw.toString();
    case Qt::TextAlignmentRole:
        return QVariant(Qt::AlignCenter);
    case Qt::FontRole:
        if (candidate.role == store::CandidateRole::GroundTruth) {
            QFont bold;
            bold.setBold(true);
            return bold;
        }
        return {};
    default:
        return {};
    }
}

QVariant CandidateTableModel::headerData(int section, Qt::Orientation orientation,
                                         int role) const
{
    if (role != Qt::DisplayRole)
        return {};
    if (orientation == Qt::Horizontal) {
        if (section < 0 || section >= columnCount())
            return {};
        const auto& candidate =
            m_set.set.candidates[static_cast<std::size_t>(candidateAt(section))];
        return QStringLiteral("%1 (#%2)").arg(candidateLabel(candidate)).arg(candidate.idx);
    }
    static const QStringList rows{tr("Strategy"),        tr("Reward β·log(π_θ/π_ref)"),
                                  tr("Σ log π_θ"),       tr("Σ log π_ref"),
                                  tr("Similarity to y1"), tr("Rank"),
                                  tr("Tokens")};
    return section >= 0 && section < rows.size() ? rows.at(section) : QVariant();
}

} // namespace cpo::ui
