#include "train/cpo/health_monitor.h"

#include <spdlog/fmt/fmt.h>

namespace cpo::train {

std::vector<HealthAlert> HealthMonitor::check(const CpoStepMetrics& metrics)
{
    std::vector<HealthAlert> alerts;
    const Point point{metrics.policyLogProbGroundTruth, metrics.margin};
    const bool falling = m_previous &&
                         point.policyLogProbGroundTruth < m_previous->policyLogProbGroundTruth &&
                         point.margin > m_previous->margin;
    m_fallingStreak = falling ? m_fallingStreak + 1 : 0;
    m_previous = point;
    const auto window = m_options.overOptimisationChecks;
    if (window > 0 && m_fallingStreak == window)
        alerts.push_back(
            {metrics.step, HealthKind::OverOptimisation,
             fmt::format("over-optimisation: y1's log-probability under π_θ fell over the last "
                         "{} checks (now {:.3f}) while the margin rose (now {:.3f}): the model "
                         "pushes the negatives down faster than it keeps the ground truth up. "
                         "Consider a smaller β or learning rate, a λ·NLL term, or stopping here",
                         window, metrics.policyLogProbGroundTruth, metrics.margin)});

    const bool saturated =
        metrics.accuracy >= 1.0 && metrics.loss < m_options.saturatedLoss;
    m_saturatedStreak = saturated ? m_saturatedStreak + 1 : 0;
    if (m_options.saturatedChecks > 0 && m_saturatedStreak == m_options.saturatedChecks)
        alerts.push_back(
            {metrics.step, HealthKind::Saturated,
             fmt::format("saturated: accuracy 1 and loss {:.2g} for {} checks: the negatives "
                         "are too easy to teach anything more. Try harder negatives (AN, MN), "
                         "a larger K or a smaller β",
                         metrics.loss, m_saturatedStreak)});
    return alerts;
}

void HealthMonitor::reset()
{
    m_previous.reset();
    m_fallingStreak = 0;
    m_saturatedStreak = 0;
}

} // namespace cpo::train
