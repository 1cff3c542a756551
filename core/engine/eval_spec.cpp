#include "engine/eval_spec.h"

#include "util/config_reader.h"
#include "engine/experiment.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>

namespace cpo::engine {
namespace {

using nlohmann::json;

EvalDecoding readDecoding(ObjectReader in)
{
    const EvalDecoding defaults;
    EvalDecoding out;
    out.temperature = in.number("temperature", defaults.temperature, Range::closed(0, 100));
    out.topK = in.integer("top_k", defaults.topK, Range::atLeast(0));
    out.topP = in.number("top_p", defaults.topP, Range::leftOpen(0, 1));
    out.maxNewTokens = in.integer("max_new_tokens", defaults.maxNewTokens, Range::atLeast(0));
    out.seed = in.unsignedInteger("seed", defaults.seed);
    in.finish();
    return out;
}

std::vector<double> readAlphas(ObjectReader& in)
{
    std::vector<double> alphas;
    const json* value = in.take("alphas");
    if (value == nullptr)
        return alphas;
    const auto path = in.pathOf("alphas");
    if (!value->is_array()) {
        in.issues().add(path, describeValue(*value) + " is not a list; give weights of "
                                                      "θ_MLE in [0, 1], e.g. [0, 0.5, 1]");
        return alphas;
    }
    for (std::size_t i = 0; i < value->size(); ++i) {
        const auto& item = (*value)[i];
        const auto itemPath = path + "[" + std::to_string(i) + "]";
        if (!item.is_number() || item.get<double>() < 0 || item.get<double>() > 1) {
            in.issues().add(itemPath, describeValue(item) + " is not allowed; allowed: a "
                                                            "number in [0, 1]");
        } else if (std::ranges::find(alphas, item.get<double>()) != alphas.end()) {
            in.issues().add(itemPath, describeValue(item) + " is listed twice");
        } else {
            alphas.push_back(item.get<double>());
        }
    }
    return alphas;
}

} // namespace

EvalSpec readEvalSpec(ObjectReader in)
{
    const EvalSpec defaults;
    EvalSpec out;
    out.every = in.integer("every", defaults.every, Range::closed(0, 1e12));
    out.examples = in.integer("examples", defaults.examples, Range::closed(0, 1e9));
    out.judge = in.string("judge", defaults.judge);
    if (auto decoding = in.object("decoding"))
        out.decoding = readDecoding(std::move(*decoding));
    out.alphas = readAlphas(in);
    in.finish();
    return out;
}

void checkEvalSpec(const ExperimentConfig& config, ConfigIssues& issues)
{
    if (!config.eval)
        return;
    const auto& spec = *config.eval;
    if (spec.judge.empty() && config.dataset.kind != DatasetKind::Oracle)
        issues.add("eval.judge", "missing; the default oracle judge needs dataset kind "
                                 "\"oracle\": name a judge file (experiments/judges/ has "
                                 "lm, openai and human examples)");
}

json toJson(const EvalSpec& spec)
{
    const auto& d = spec.decoding;
    return {{"every", spec.every},
            {"examples", spec.examples},
            {"judge", spec.judge},
            {"decoding", {{"temperature", d.temperature},
                          {"top_k", d.topK},
                          {"top_p", d.topP},
                          {"max_new_tokens", d.maxNewTokens},
                          {"seed", d.seed}}},
            {"alphas", spec.alphas}};
}

} // namespace cpo::engine
