#pragma once

#include "model/causal_lm.h"

namespace cpo::model {

// The weight-space ensemble θ_α = α·θ_MLE + (1 − α)·θ_CPO. Both models must have the same
// architecture and every parameter the same shape; otherwise cpo::Error names the first
// parameter that differs. alpha 1 gives θ_MLE exactly and alpha 0 θ_CPO exactly (not merely
// within rounding). alpha outside [0, 1] is allowed (extrapolation) but logged as a warning.
CausalLM interpolateModels(const CausalLMImpl& mle, const CausalLMImpl& cpo, double alpha);

// The same into an existing model of that architecture (an α sweep reuses one buffer model).
void interpolateInto(CausalLMImpl& out, const CausalLMImpl& mle, const CausalLMImpl& cpo,
                     double alpha);

} // namespace cpo::model
