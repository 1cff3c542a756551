#pragma once

#include "train/cpo/cpo_events.h"
#include "train/cpo/cpo_options.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace cpo::train {

// The CPO phase's health checks, fed one CpoStepMetrics per metric check (every metricsEvery
// steps); returns the alerts that check raises, for the trainer to emit.
//
// - Over-optimisation: y1's mean log π_θ fell and the margin rose from each check to the next
//   over overOptimisationChecks consecutive transitions (so that many checks + 1). It fires at
//   the check completing the window, once per unbroken run of such checks: a run that keeps
//   falling does not fire again until one check breaks it (NaN breaks it too).
// - Saturation: accuracy 1 and loss below saturatedLoss at saturatedChecks consecutive
//   checks; fires at the saturatedChecks-th such check only, once per streak.
// A count of 0 turns that check off. Pure bookkeeping: no LibTorch, no clock.
class HealthMonitor {
public:
    explicit HealthMonitor(CpoHealthOptions options = {}) : m_options(options) {}

    std::vector<HealthAlert> check(const CpoStepMetrics& metrics);
    // Forgets the history (a resumed run starts its windows afresh).
    void reset();

    std::int64_t fallingStreak() const { return m_fallingStreak; }
    std::int64_t saturatedStreak() const { return m_saturatedStreak; }

private:
    struct Point {
        double policyLogProbGroundTruth = 0.0;
        double margin = 0.0;
    };

    CpoHealthOptions m_options;
    std::optional<Point> m_previous;
    std::int64_t m_fallingStreak = 0;   // consecutive falling transitions up to the last check
    std::int64_t m_saturatedStreak = 0; // consecutive saturated checks
};

} // namespace cpo::train
