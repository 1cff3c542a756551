#include "engine/run_events.h"

namespace cpo::engine {

std::string_view toString(RunOutcome outcome)
{
    switch (outcome) {
    case RunOutcome::Finished:
        return "finished";
    case RunOutcome::Stopped:
        return "stopped";
    case RunOutcome::Failed:
        return "failed";
    case RunOutcome::Cancelled:
        return "cancelled";
    }
    return "failed";
}

nlohmann::json evaluationJson(const std::vector<ModelWinRate>& results)
{
    nlohmann::json out = nlohmann::json::object();
    for (const auto& result : results)
        out[result.model] = {{"win_rate", result.winRate}, {"ci_low", result.ciLow},
                             {"ci_high", result.ciHigh}, {"n", result.n},
                             {"judge", result.judge}};
    return out;
}

nlohmann::json RunSummary::toJson() const
{
    nlohmann::json phasesJson = nlohmann::json::object();
    for (const auto& phase : phases) {
        nlohmann::json entry{{"outcome", train::toString(phase.outcome)},
                             {"steps", phase.step},
                             {"seconds", phase.seconds}};
        if (!phase.message.empty())
            entry["message"] = phase.message;
        if (phase.validation) {
            entry["validation_loss"] = phase.validation->loss;
            entry["validation_perplexity"] = phase.validation->perplexity;
        }
        if (phase.checkpoint)
            entry["checkpoint"] = phase.checkpoint->string();
        phasesJson[phase.phase] = entry;
    }
    nlohmann::json json{{"status", toString(outcome)}, {"run_dir", runDir.string()},
                        {"config_hash", configHash}, {"seconds", seconds},
                        {"phases", phasesJson}};
    if (!message.empty())
        json["message"] = message;
    if (!evaluation.empty())
        json["evaluation"] = evaluationJson(evaluation);
    return json;
}

} // namespace cpo::engine
