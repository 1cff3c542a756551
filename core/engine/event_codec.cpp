#include "engine/event_codec.h"

#include "util/error.h"

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

namespace cpo::engine {
namespace {

using nlohmann::json;
namespace negatives = train::negatives;

constexpr const char* kGroundTruth = "ground_truth";

// Reads the fields of one event object, naming the event and field in every error.
class Fields {
public:
    Fields(const json& object, std::string event) : m_object(object), m_event(std::move(event))
    {
    }

    const json& at(const char* key) const
    {
        const auto found = m_object.find(key);
        if (found == m_object.end())
            fail(key, "is missing");
        return *found;
    }
    bool has(const char* key) const { return m_object.contains(key); }
    // Absent (or null) for an optional figure.
    std::optional<double> optionalNumber(const char* key) const
    {
        if (!has(key) || m_object.at(key).is_null())
            return std::nullopt;
        return number(key);
    }

    // null stands for NaN, which JSON cannot spell.
    double number(const char* key) const { return numberOf(at(key), key); }
    std::int64_t integer(const char* key) const
    {
        const auto& value = at(key);
        if (!value.is_number_integer())
            fail(key, "must be an integer");
        return value.get<std::int64_t>();
    }
    std::string text(const char* key) const
    {
        const auto& value = at(key);
        if (!value.is_string())
            fail(key, "must be a string");
        return value.get<std::string>();
    }
    bool flag(const char* key) const
    {
        const auto& value = at(key);
        if (!value.is_boolean())
            fail(key, "must be true or false");
        return value.get<bool>();
    }
    std::vector<float> floats(const char* key) const
    {
        std::vector<float> values;
        for (const auto& value : at(key))
            values.push_back(static_cast<float>(numberOf(value, key)));
        return values;
    }
    negatives::Tokens tokens(const char* key) const
    {
        negatives::Tokens values;
        for (const auto& value : at(key)) {
            if (!value.is_number_integer())
                fail(key, "must hold token ids");
            values.push_back(value.get<tokenize::TokenId>());
        }
        return values;
    }
    Fields object(const char* key) const
    {
        const auto& value = at(key);
        if (!value.is_object())
            fail(key, "must be an object");
        return {value, m_event + "." + key};
    }

    [[noreturn]] void fail(const std::string& key, const std::string& problem) const
    {
        throw Error("event '" + m_event + "': field '" + key + "' " + problem);
    }

private:
    double numberOf(const json& value, const char* key) const
    {
        if (value.is_null())
            return std::numeric_limits<double>::quiet_NaN();
        if (!value.is_number())
            fail(key, "must be a number");
        return value.get<double>();
    }

    const json& m_object;
    std::string m_event;
};

json number(double value)
{
    return std::isnan(value) ? json(nullptr) : json(value);
}

json floats(const std::vector<float>& values)
{
    json array = json::array();
    for (const float value : values)
        array.push_back(number(value));
    return array;
}

template <typename Enum, typename Range>
Enum parseName(const Fields& fields, const char* key, const Range& values)
{
    const auto name = fields.text(key);
    for (const auto value : values)
        if (toString(value) == name)
            return value;
    fields.fail(key, "has an unknown value '" + name + "'");
}

constexpr train::PhaseOutcome kPhaseOutcomes[]{
    train::PhaseOutcome::Finished, train::PhaseOutcome::Stopped, train::PhaseOutcome::Failed,
    train::PhaseOutcome::Cancelled};
constexpr RunOutcome kRunOutcomes[]{RunOutcome::Finished, RunOutcome::Stopped,
                                    RunOutcome::Failed, RunOutcome::Cancelled};

json validationFields(const train::ValidationMetrics& e)
{
    return {{"step", e.step}, {"loss", number(e.loss)}, {"perplexity", number(e.perplexity)},
            {"tokens", e.tokens}};
}

train::ValidationMetrics readValidation(const Fields& f)
{
    return {f.integer("step"), f.number("loss"), f.number("perplexity"), f.integer("tokens")};
}

// Written only when present: CPU runs' events stay as they were.
void putCudaPeak(json& out, const std::optional<double>& gigabytes)
{
    if (gigabytes)
        out["cuda_peak_mem_gb"] = *gigabytes;
}

json stepJson(const train::StepMetrics& e)
{
    json out{{"event", "step"},           {"step", e.step},
             {"loss", number(e.loss)},    {"lr", e.lr},
             {"grad_norm", number(e.gradNorm)}, {"tokens_per_s", e.tokensPerSecond},
             {"step_s", e.stepSeconds},   {"elapsed_s", e.elapsedSeconds}};
    putCudaPeak(out, e.cudaPeakMemGb);
    return out;
}

train::StepMetrics readStep(const Fields& f)
{
    return {f.integer("step"),        f.number("loss"),      f.number("lr"),
            f.number("grad_norm"),    f.number("tokens_per_s"), f.number("step_s"),
            f.number("elapsed_s"),    f.optionalNumber("cuda_peak_mem_gb")};
}

json cpoStepJson(const train::CpoStepMetrics& e)
{
    json strategies = json::object();
    for (const auto strategy : negatives::kStrategies) {
        const auto& s = e.strategies[static_cast<std::size_t>(strategy)];
        strategies[std::string(negatives::toString(strategy))] = {
            {"negatives", s.negatives}, {"redraws", s.redraws}, {"reward", number(s.reward)},
            {"logp_theta", number(s.policyLogProb)}, {"logp_ref", number(s.referenceLogProb)}};
    }
    json out{{"event", "cpo_step"}, {"step", e.step}, {"strategies", strategies},
             {"step_s", e.stepSeconds}, {"elapsed_s", e.elapsedSeconds}};
    for (const auto& [key, value] : train::namedValues(e))
        out[std::string(key)] = number(value);
    putCudaPeak(out, e.cudaPeakMemGb);
    return out;
}

train::CpoStepMetrics readCpoStep(const Fields& f)
{
    train::CpoStepMetrics e;
    e.step = f.integer("step");
    for (const auto& field : train::cpoMetricFields())
        e.*field.member = f.number(std::string(field.name).c_str());
    e.stepSeconds = f.number("step_s");
    e.elapsedSeconds = f.number("elapsed_s");
    e.cudaPeakMemGb = f.optionalNumber("cuda_peak_mem_gb");
    const auto strategies = f.object("strategies");
    for (const auto strategy : negatives::kStrategies) {
        const auto s = strategies.object(std::string(negatives::toString(strategy)).c_str());
        e.strategies[static_cast<std::size_t>(strategy)] = {
            s.integer("negatives"), s.integer("redraws"), s.number("reward"),
            s.number("logp_theta"), s.number("logp_ref")};
    }
    return e;
}

json sampleSetJson(const DecodedSampleSet& e)
{
    json candidates = json::array();
    for (std::size_t i = 0; i < e.set.candidates.size(); ++i) {
        const auto& c = e.set.candidates[i];
        candidates.push_back(
            {{"text", e.candidates.at(i)},
             {"strategy", c.strategy ? std::string(negatives::toString(*c.strategy))
                                     : std::string(kGroundTruth)},
             {"tokens", c.tokens}, {"logp_theta", floats(c.policyLogProbs)},
             {"logp_ref", floats(c.referenceLogProbs)}, {"reward", number(c.reward)},
             {"similarity", number(c.similarity)}, {"rank", c.rank}});
    }
    return {{"event", "sample_set"}, {"step", e.set.step}, {"prompt", e.prompt},
            {"prompt_tokens", e.set.prompt}, {"candidates", candidates}};
}

DecodedSampleSet readSampleSet(const Fields& f)
{
    DecodedSampleSet e;
    e.set.step = f.integer("step");
    e.prompt = f.text("prompt");
    e.set.prompt = f.tokens("prompt_tokens");
    for (const auto& candidate : f.at("candidates")) {
        if (!candidate.is_object())
            f.fail("candidates", "must hold objects");
        const Fields c(candidate, "sample_set.candidates");
        train::SampleCandidate out;
        out.tokens = c.tokens("tokens");
        if (c.text("strategy") != kGroundTruth)
            out.strategy = parseName<negatives::Strategy>(c, "strategy", negatives::kStrategies);
        out.policyLogProbs = c.floats("logp_theta");
        out.referenceLogProbs = c.floats("logp_ref");
        out.reward = c.number("reward");
        out.similarity = c.number("similarity");
        out.rank = c.integer("rank");
        e.set.candidates.push_back(std::move(out));
        e.candidates.push_back(c.text("text"));
    }
    return e;
}

json phaseEndedJson(const PhaseEnded& e)
{
    json out{{"event", "phase_ended"}, {"phase", e.phase},
             {"outcome", train::toString(e.outcome)}, {"step", e.step},
             {"seconds", e.seconds}, {"message", e.message}};
    if (e.validation)
        out["validation"] = validationFields(*e.validation);
    if (e.checkpoint)
        out["checkpoint"] = e.checkpoint->string();
    return out;
}

PhaseEnded readPhaseEnded(const Fields& f)
{
    PhaseEnded e;
    e.phase = f.text("phase");
    e.outcome = parseName<train::PhaseOutcome>(f, "outcome", kPhaseOutcomes);
    e.step = f.integer("step");
    e.seconds = f.number("seconds");
    e.message = f.text("message");
    if (f.has("validation"))
        e.validation = readValidation(f.object("validation"));
    if (f.has("checkpoint"))
        e.checkpoint = f.text("checkpoint");
    return e;
}

json winRatesJson(const std::vector<ModelWinRate>& results)
{
    json out = json::array();
    for (const auto& r : results)
        out.push_back({{"model", r.model}, {"win_rate", number(r.winRate)},
                       {"ci_low", number(r.ciLow)}, {"ci_high", number(r.ciHigh)},
                       {"n", r.n}, {"judge", r.judge}});
    return out;
}

std::vector<ModelWinRate> readWinRates(const Fields& f, const char* key)
{
    std::vector<ModelWinRate> results;
    for (const auto& item : f.at(key)) {
        if (!item.is_object())
            f.fail(key, "must hold {\"model\", \"win_rate\", ...} objects");
        const Fields r(item, "evaluation");
        results.push_back({r.text("model"), r.number("win_rate"), r.number("ci_low"),
                           r.number("ci_high"), r.integer("n"), r.text("judge")});
    }
    return results;
}

json runFinishedJson(const RunFinished& e)
{
    const auto& s = e.summary;
    json phases = json::array();
    for (const auto& phase : s.phases)
        phases.push_back(phaseEndedJson(phase));
    return {{"event", "run_finished"},       {"status", toString(s.outcome)},
            {"message", s.message},          {"run_dir", s.runDir.string()},
            {"config_hash", s.configHash},   {"phases", phases},
            {"seconds", s.seconds},          {"run_id", s.runId},
            {"resumed_from", s.resumedFrom}, {"already_complete", s.alreadyComplete},
            {"evaluation", winRatesJson(s.evaluation)}};
}

RunFinished readRunFinished(const Fields& f)
{
    RunSummary s;
    s.outcome = parseName<RunOutcome>(f, "status", kRunOutcomes);
    s.message = f.text("message");
    s.runDir = f.text("run_dir");
    s.configHash = f.text("config_hash");
    for (const auto& phase : f.at("phases")) {
        if (!phase.is_object())
            f.fail("phases", "must hold phase_ended objects");
        s.phases.push_back(readPhaseEnded(Fields(phase, "run_finished.phases")));
    }
    s.seconds = f.number("seconds");
    s.runId = f.integer("run_id");
    s.resumedFrom = f.text("resumed_from");
    s.alreadyComplete = f.flag("already_complete");
    if (f.has("evaluation")) // absent from the lines of builds before evaluation in runs
        s.evaluation = readWinRates(f, "evaluation");
    return {std::move(s)};
}

} // namespace

json eventToJson(const RunEvent& event)
{
    return std::visit(
        [](const auto& e) -> json {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, StatusMessage>)
                return {{"event", "status"}, {"text", e.text}};
            else if constexpr (std::is_same_v<T, DataPrepared>)
                return {{"event", "data"}, {"description", e.description}, {"train", e.train},
                        {"validation", e.validation}, {"test", e.test}};
            else if constexpr (std::is_same_v<T, ModelPrepared>)
                return {{"event", "model"}, {"description", e.description}, {"params", e.params}};
            else if constexpr (std::is_same_v<T, PhaseStarted>)
                return {{"event", "phase_started"}, {"phase", e.phase}, {"steps", e.steps}};
            else if constexpr (std::is_same_v<T, train::StepMetrics>)
                return stepJson(e);
            else if constexpr (std::is_same_v<T, train::CpoStepMetrics>)
                return cpoStepJson(e);
            else if constexpr (std::is_same_v<T, DecodedSampleSet>)
                return sampleSetJson(e);
            else if constexpr (std::is_same_v<T, train::ValidationMetrics>) {
                auto out = validationFields(e);
                out["event"] = "validation";
                return out;
            } else if constexpr (std::is_same_v<T, train::CheckpointSaved>)
                return {{"event", "checkpoint"}, {"step", e.step}, {"path", e.path.string()}};
            else if constexpr (std::is_same_v<T, PhaseEnded>)
                return phaseEndedJson(e);
            else if constexpr (std::is_same_v<T, PauseChanged>)
                return {{"event", e.paused ? "paused" : "resumed"}};
            else if constexpr (std::is_same_v<T, Alert>)
                return {{"event", "alert"}, {"kind", e.kind}, {"message", e.message},
                        {"step", e.step}};
            else if constexpr (std::is_same_v<T, EvaluationFinished>)
                return {{"event", "evaluation"}, {"phase", e.phase}, {"step", e.step},
                        {"evaluation_id", e.evaluationId},
                        {"results", winRatesJson(e.results)}};
            else
                return runFinishedJson(e);
        },
        event);
}

RunEvent eventFromJson(const json& event)
{
    if (!event.is_object() || !event.contains("event") || !event["event"].is_string())
        throw Error("a run event must be a JSON object with a string field 'event'");
    const auto name = event["event"].get<std::string>();
    const Fields f(event, name);
    if (name == "status")
        return StatusMessage{f.text("text")};
    if (name == "data")
        return DataPrepared{f.text("description"), f.integer("train"), f.integer("validation"),
                            f.integer("test")};
    if (name == "model")
        return ModelPrepared{f.text("description"), f.integer("params")};
    if (name == "phase_started")
        return PhaseStarted{f.text("phase"), f.integer("steps")};
    if (name == "step")
        return readStep(f);
    if (name == "validation")
        return readValidation(f);
    if (name == "cpo_step")
        return readCpoStep(f);
    if (name == "sample_set")
        return readSampleSet(f);
    if (name == "checkpoint")
        return train::CheckpointSaved{f.integer("step"), f.text("path")};
    if (name == "phase_ended")
        return readPhaseEnded(f);
    if (name == "paused" || name == "resumed")
        return PauseChanged{name == "paused"};
    if (name == "alert")
        return Alert{f.text("kind"), f.text("message"), f.integer("step")};
    if (name == "run_finished")
        return readRunFinished(f);
    if (name == "evaluation")
        return EvaluationFinished{f.text("phase"), f.integer("step"),
                                  f.integer("evaluation_id"), readWinRates(f, "results")};
    throw Error("unknown run event '" + name + "'");
}

} // namespace cpo::engine
