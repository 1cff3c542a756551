#pragma once

#include "model/causal_lm.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace cpo::eval {

// log p(continuation | prompt) under `model`, summed over the continuation's tokens, for each
// pair: teacher-forced, batched, without gradients; −∞ for an empty prompt or continuation.
// Leaves the model in the mode it was in.
std::vector<double> continuationLogLikelihoods(model::CausalLMImpl& model,
                                               std::span<const std::vector<std::int32_t>> prompts,
                                               std::span<const std::vector<std::int32_t>>
                                                   continuations,
                                               std::size_t batchSize = 32);

} // namespace cpo::eval
