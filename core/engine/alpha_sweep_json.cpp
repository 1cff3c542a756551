#include "engine/alpha_sweep_json.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace cpo::engine {
namespace {

using nlohmann::json;

json finiteOrNull(double value)
{
    return std::isfinite(value) ? json(value) : json(nullptr);
}

json pointJson(const AlphaPoint& point)
{
    json out{{"alpha", point.alpha}, {"seconds", point.seconds}};
    if (const auto& judged = point.winRate) {
        out["win_rate"] = judged->rate;
        out["ci_low"] = judged->ciLow;
        out["ci_high"] = judged->ciHigh;
        out["n"] = judged->n;
        out["lc_win_rate"] = judged->lengthControlled;
        out["failures"] = judged->failures;
    }
    if (const auto& held = point.heldOut) {
        out["nll"] = finiteOrNull(held->loss);
        out["perplexity"] = finiteOrNull(held->perplexity);
        out["tokens"] = held->tokens;
    }
    if (const auto& oracle = point.oracle) {
        out["oracle_logp"] = finiteOrNull(oracle->logLikelihoodPerToken);
        out["oracle_well_formed"] = oracle->wellFormed;
        out["oracle_samples"] = oracle->samples;
    }
    return out;
}

} // namespace

json alphaSweepJson(const AlphaSweepRequest& request, const AlphaSweepResult& result)
{
    json points = json::array();
    for (const auto& point : result.points)
        points.push_back(pointJson(point));
    json out{{"run_dir", request.runDir.string()},
             {"mle", request.mleModel.string()},
             {"cpo", request.cpoModel.string()},
             {"split", request.testSplit ? "test" : "validation"},
             {"examples", result.examples},
             {"points", points}};
    if (result.bestPoint) {
        out["judge"] = result.judge;
        out["best_alpha"] = result.points[*result.bestPoint].alpha;
    }
    return out;
}

} // namespace cpo::engine
