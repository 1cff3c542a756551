#pragma once

#include "train/cpo/cpo_events.h"

#include <optional>
#include <span>
#include <vector>

namespace cpo::train {

// What one example's candidates scored in a step, y1 first.
struct ExampleScores {
    std::vector<double> rewards;   // β·h
    std::vector<double> policy;    // Σ log π_θ
    std::vector<double> reference; // Σ log π_ref
    std::vector<std::optional<negatives::Strategy>> strategies;
    // Place of each candidate in the target order: y1 0; with ranking the negatives 1..K−1
    // by similarity, without it all 1 (tied: no order among them is asked for).
    std::vector<std::int64_t> targetRank;
    std::int64_t groundTruthTokens = 0;
};

// Fills the reward, margin, accuracy, rank-correlation, log-prob and KL fields of `metrics`
// and the per-strategy means (not the redraw counts) from a step's examples. Accuracy counts
// y1 as highest only when it beats every negative strictly: a tie (π_θ = π_ref at the start,
// every reward 0) is no success.
void summarise(std::span<const ExampleScores> examples, CpoStepMetrics& metrics);

// The same in two halves: the sums over the examples that the means divide (a fixed layout of
// plain numbers, which the ranks of a data-parallel run add up), then the means from them.
std::vector<double> scoreTotals(std::span<const ExampleScores> examples);
void summariseTotals(std::span<const double> totals, CpoStepMetrics& metrics);

} // namespace cpo::train
