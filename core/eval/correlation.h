#pragma once

#include <span>

namespace cpo::eval {

// Rank correlations between two scorings of the same items (e.g. the rewards the model gives
// the K candidates vs. the target order), both in [-1, 1]. Ties are handled: Kendall's tau-b
// and Spearman's rho over average ranks. Fewer than 2 items, or a side with no variation:
// 0 (no evidence either way). Throws cpo::Error when the spans differ in length.
double kendallTau(std::span<const double> a, std::span<const double> b);
double spearmanRho(std::span<const double> a, std::span<const double> b);

} // namespace cpo::eval
