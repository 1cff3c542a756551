#include "model/interpolate.h"

#include "util/error.h"
#include "util/log.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <optional>
#include <sstream>
#include <string>

namespace cpo::model {
namespace {

std::string shapeText(const torch::Tensor& t)
{
    std::ostringstream text;
    text << t.sizes();
    return text.str();
}

struct Labelled {
    const ModelConfig& config;
    const char* label; // "the MLE model", ...
};

// The first config.json field (HF's name) in which two configs differ, as a phrase.
// Token ids do not change the computation, and n_ctx only repeats n_positions.
std::optional<std::string> configDifference(const Labelled& a, const Labelled& b)
{
    const auto aJson = configToJson(a.config);
    const auto bJson = configToJson(b.config);
    for (const auto& [field, value] : aJson.items()) {
        if (field == "bos_token_id" || field == "eos_token_id" || field == "n_ctx")
            continue;
        const auto other = bJson.value(field, nlohmann::json());
        if (other != value)
            return field + " is " + value.dump() + " in " + a.label + " but " + other.dump() +
                   " in " + b.label;
    }
    return std::nullopt;
}

// The first parameter (by name) that one model lacks or that has another shape.
std::optional<std::string> parameterDifference(const CausalLMImpl& mle, const CausalLMImpl& cpo)
{
    const auto mleParameters = namedParameters(mle);
    const auto cpoParameters = namedParameters(cpo);
    for (const auto& [name, value] : mleParameters) {
        const auto other = cpoParameters.find(name);
        if (other == cpoParameters.end())
            return "parameter " + name + " is in the MLE model only";
        if (!value.sizes().equals(other->second.sizes()))
            return "parameter " + name + " has shape " + shapeText(value) +
                   " in the MLE model but " + shapeText(other->second) + " in the CPO model";
    }
    for (const auto& [name, value] : cpoParameters)
        if (!mleParameters.contains(name))
            return "parameter " + name + " is in the CPO model only";
    return std::nullopt;
}

void requireSameArchitecture(const CausalLMImpl& mle, const CausalLMImpl& cpo)
{
    if (mle.config().arch != cpo.config().arch)
        throw Error("cannot interpolate a " + toString(mle.config().arch) + " MLE model with a " +
                    toString(cpo.config().arch) + " CPO model: the architectures differ");
    const auto config =
        configDifference({mle.config(), "the MLE model"}, {cpo.config(), "the CPO model"});
    if (const auto parameter = parameterDifference(mle, cpo))
        throw Error("cannot interpolate: " + *parameter + (config ? " (" + *config + ")" : ""));
    if (config)
        throw Error("cannot interpolate: " + *config);
}

// The endpoints are copied rather than computed so that α 1 and α 0 reproduce a checkpoint
// bit for bit. In between, the lerp form cpo + α·(mle − cpo) (torch::lerp, in float32): a
// parameter that CPO left unchanged stays exactly what it was for every α, which
// α·mle + (1−α)·cpo does not guarantee after rounding; and it is one fused kernel.
torch::Tensor blend(const torch::Tensor& mle, const torch::Tensor& cpo, double alpha)
{
    if (alpha == 1.0)
        return mle;
    if (alpha == 0.0)
        return cpo;
    const auto start = cpo.to(mle.device(), torch::kFloat32);
    return torch::lerp(start, mle.to(torch::kFloat32), alpha);
}

} // namespace

CausalLM interpolateModels(const CausalLMImpl& mle, const CausalLMImpl& cpo, double alpha)
{
    // A clone, not createModel(): the result is overwritten anyway, and a fresh
    // initialisation would draw from (and so shift) the global RNG.
    auto out = cloneModel(mle);
    interpolateInto(*out, mle, cpo, alpha);
    return out;
}

void interpolateInto(CausalLMImpl& out, const CausalLMImpl& mle, const CausalLMImpl& cpo,
                     double alpha)
{
    if (!std::isfinite(alpha))
        throw Error("interpolation alpha must be a finite number, got " + std::to_string(alpha));
    requireSameArchitecture(mle, cpo);
    if (out.config().arch != mle.config().arch)
        throw Error("cannot interpolate into a " + toString(out.config().arch) +
                    " model: the checkpoints are " + toString(mle.config().arch));
    if (const auto difference = configDifference({out.config(), "the output model"},
                                                 {mle.config(), "the MLE model"}))
        throw Error("cannot interpolate into a model of another shape: " + *difference);
    if (alpha < 0.0 || alpha > 1.0)
        log::get("model")->warn("interpolating with alpha {} outside [0, 1]: extrapolating "
                                "beyond the checkpoints",
                                alpha);
    const auto mleParameters = namedParameters(mle);
    const auto cpoParameters = namedParameters(cpo);
    torch::NoGradGuard noGrad;
    for (auto& [name, target] : namedParameters(out))
        target.copy_(blend(mleParameters.at(name), cpoParameters.at(name), alpha));
}

} // namespace cpo::model
