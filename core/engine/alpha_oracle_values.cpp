#include "engine/alpha_oracle_values.h"

#include <nlohmann/json.hpp>

#include <map>

namespace cpo::engine {
namespace {

std::optional<double> number(const nlohmann::json& summary, const char* key)
{
    const auto found = summary.find(key);
    if (found == summary.end() || !found->is_number())
        return std::nullopt;
    return found->get<double>();
}

} // namespace

std::vector<AlphaOracleValues>
alphaOracleValues(const store::AlphaSweepRecord& sweep,
                  std::span<const store::EvaluationRecord> evaluations)
{
    std::map<std::int64_t, const store::EvaluationRecord*> byId;
    for (const auto& evaluation : evaluations)
        byId[evaluation.id] = &evaluation;
    std::vector<AlphaOracleValues> out(sweep.points.size());
    for (std::size_t i = 0; i < sweep.points.size(); ++i) {
        const auto& id = sweep.points[i].evaluationId;
        const auto found = id ? byId.find(*id) : byId.end();
        if (found == byId.end())
            continue;
        const auto summary = nlohmann::json::parse(found->second->summaryJson, nullptr, false);
        if (!summary.is_object())
            continue;
        out[i] = {number(summary, "sample_teacher_nll"), number(summary, "heldout_nll")};
    }
    return out;
}

} // namespace cpo::engine
