#pragma once

#include "data/examples.h"
#include "model/causal_lm.h"

#include <cstddef>
#include <cstdint>
#include <span>

namespace cpo::eval {

// KL(π_θ ‖ π_ref) per sequence, by Monte Carlo: one continuation per prefix sampled from π_θ
// itself (temperature 1, no top-k/p cut, up to EOS or the cap), the mean of
// log π_θ(y | x) − log π_ref(y | x) summed over its tokens, with the mean's standard error.
// Unlike the mean log-ratio on the ground truth (cpo/logratio_y1, which can be negative), its
// expectation is the KL divergence and never negative. Deterministic for a seed.
struct KlEstimate {
    double mean = 0.0;
    double standardError = 0.0;
    std::int64_t samples = 0;
};

KlEstimate klEstimate(model::CausalLMImpl& policy, model::CausalLMImpl& reference,
                      std::span<const data::TokenizedExample> examples, std::uint64_t seed,
                      std::int64_t maxNewTokens = 0, std::size_t batchSize = 64);

} // namespace cpo::eval
