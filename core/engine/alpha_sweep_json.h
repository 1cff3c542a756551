#pragma once

#include "engine/alpha_sweep_session.h"

#include <nlohmann/json_fwd.hpp>

// An α sweep's result as JSON (`cpo ensemble sweep --json`): the run, both models, the split
// and one object per α; a judged sweep adds the judge and the best α. A number that is not
// finite (a diverged model's NLL) is null.
namespace cpo::engine {

nlohmann::json alphaSweepJson(const AlphaSweepRequest& request, const AlphaSweepResult& result);

} // namespace cpo::engine
