#include "dashboard/run_history.h"

#include "dashboard/metric_families.h"

#include <algorithm>

namespace cpo::ui {
namespace {

// The order phases run in; a phase not listed here comes after these, in arrival order.
int knownRank(const QString& phase)
{
    if (phase == QLatin1String("mle"))
        return 0;
    if (phase == QLatin1String("cpo"))
        return 1;
    return 2;
}

// The value of a clock series at `step`, when it has one.
std::optional<double> clockAt(const RunHistory::Series* clock, std::int64_t step)
{
    if (!clock)
        return std::nullopt;
    const auto it = std::lower_bound(clock->steps.begin(), clock->steps.end(), step);
    if (it == clock->steps.end() || *it != step)
        return std::nullopt;
    return clock->values[static_cast<std::size_t>(it - clock->steps.begin())];
}

} // namespace

QString RunHistory::tokensKey(const QString& phase) { return phase + QStringLiteral("/tokens"); }
QString RunHistory::elapsedKey(const QString& phase)
{
    return phase + QStringLiteral("/elapsed_s");
}

bool RunHistory::isClockKey(const QString& key)
{
    const QString phase = phaseOfKey(key);
    return key == tokensKey(phase) || key == elapsedKey(phase);
}

bool RunHistory::append(const QString& key, std::span<const std::int64_t> steps,
                        std::span<const double> values)
{
    if (steps.empty())
        return false;
    const QString phaseName = phaseOfKey(key);
    auto phase = std::find_if(m_phases.begin(), m_phases.end(),
                              [&](const Phase& p) { return p.name == phaseName; });
    if (phase == m_phases.end()) {
        const auto before = std::find_if(m_phases.begin(), m_phases.end(), [&](const Phase& p) {
            return knownRank(p.name) > knownRank(phaseName);
        });
        phase = m_phases.insert(before, Phase{phaseName, 0});
    }
    auto& series = m_series[key];
    series.steps.insert(series.steps.end(), steps.begin(), steps.end());
    series.values.insert(series.values.end(), values.begin(), values.end());

    const bool laterPhaseHasPoints = phase + 1 != m_phases.end();
    const std::int64_t newLast = std::max(phase->lastStep, steps.back());
    const bool moved = laterPhaseHasPoints && (newLast != phase->lastStep || isClockKey(key));
    phase->lastStep = newLast;
    return moved;
}

const RunHistory::Series* RunHistory::series(const QString& key) const
{
    const auto it = m_series.constFind(key);
    return it == m_series.constEnd() ? nullptr : &*it;
}

QStringList RunHistory::keys() const
{
    QStringList keys = m_series.keys();
    keys.sort();
    return keys;
}

int RunHistory::phaseRank(const QString& phase) const
{
    for (std::size_t i = 0; i < m_phases.size(); ++i)
        if (m_phases[i].name == phase)
            return static_cast<int>(i);
    return static_cast<int>(m_phases.size());
}

double RunHistory::extent(const Phase& phase, XAxis axis) const
{
    switch (axis) {
    case XAxis::Step:
        return static_cast<double>(phase.lastStep);
    case XAxis::Tokens:
    case XAxis::WallTime: {
        const auto* clock = series(axis == XAxis::Tokens ? tokensKey(phase.name)
                                                         : elapsedKey(phase.name));
        return clock && !clock->values.empty() ? clock->values.back() : 0.0;
    }
    }
    return 0.0;
}

double RunHistory::offset(const QString& phase, XAxis axis) const
{
    double sum = 0.0;
    const int rank = phaseRank(phase);
    for (int i = 0; i < rank && i < static_cast<int>(m_phases.size()); ++i)
        sum += extent(m_phases[static_cast<std::size_t>(i)], axis);
    return sum;
}

std::optional<double> RunHistory::x(const QString& key, std::int64_t step, XAxis axis) const
{
    const QString phase = phaseOfKey(key);
    if (axis == XAxis::Step)
        return offset(phase, axis) + static_cast<double>(step);
    const auto local = clockAt(series(axis == XAxis::Tokens ? tokensKey(phase)
                                                            : elapsedKey(phase)),
                               step);
    if (!local)
        return std::nullopt;
    return offset(phase, axis) + *local;
}

} // namespace cpo::ui
