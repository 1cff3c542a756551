#include "alpha/alpha_generations_model.h"

#include <map>

namespace cpo::ui {
namespace {

QString withVerdict(const store::GenerationRecord& generation)
{
    return QStringLiteral("[%1] %2")
        .arg(QString::fromStdString(generation.verdict.value_or("no verdict")),
             QString::fromStdString(generation.text));
}

} // namespace

void AlphaGenerationsModel::setGenerations(const AlphaGenerations& generations)
{
    beginResetModel();
    m_generations = generations;
    std::map<std::string, const store::GenerationRecord*> byExample;
    for (const auto& other : m_generations.other)
        byExample.emplace(other.exampleHash, &other);
    m_otherOf.clear();
    for (const auto& shown : m_generations.shown) {
        const auto found = byExample.find(shown.exampleHash);
        m_otherOf.push_back(found == byExample.end() ? nullptr : found->second);
    }
    endResetModel();
}

int AlphaGenerationsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_generations.shown.size());
}

int AlphaGenerationsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AlphaGenerationsModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)
        || (role != Qt::DisplayRole && role != Qt::ToolTipRole))
        return {};
    const auto row = static_cast<std::size_t>(index.row());
    const auto& shown = m_generations.shown[row];
    switch (index.column()) {
    case Prompt:
        return QString::fromStdString(shown.prompt);
    case GroundTruth:
        return QString::fromStdString(shown.reference);
    case Shown:
        return withVerdict(shown);
    case Other:
        return m_otherOf[row] ? withVerdict(*m_otherOf[row]) : QStringLiteral("—");
    default:
        return {};
    }
}

QVariant AlphaGenerationsModel::headerData(int section, Qt::Orientation orientation,
                                           int role) const
{
    if (role != Qt::DisplayRole || orientation != Qt::Horizontal)
        return {};
    switch (section) {
    case Prompt:
        return tr("Prompt");
    case GroundTruth:
        return tr("Ground truth");
    case Shown:
        return tr("α = %1").arg(m_generations.alpha);
    case Other:
        return tr("α = %1").arg(m_generations.otherAlpha);
    default:
        return {};
    }
}

} // namespace cpo::ui
