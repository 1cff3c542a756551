#pragma once

#include "dashboard/run_event_points.h"

#include <cstdint>
#include <string>
#include <vector>

// The dashboard's win-rate curves: "MODEL/win_rate" with its 95 % interval as the band
// "MODEL/win_rate_low" – "MODEL/win_rate_high", for the models "mle" and "cpo" (the α
// ensembles belong to the α view). Live EvaluationFinished events and stored evaluations
// both become these points.
namespace cpo::ui {

// Empty for a model without a curve (an α ensemble).
std::vector<SeriesPoint> winRatePoints(const std::string& model, std::int64_t step, double rate,
                                       double low, double high);

} // namespace cpo::ui
