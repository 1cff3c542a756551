#pragma once

#include "eval/sampling.h"
#include "model/causal_lm.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace cpo::eval {

struct GenerateOptions {
    SamplingOptions sampling;
    std::int64_t maxNewTokens = 64;
    std::optional<std::int64_t> eosId; // generation of a row stops after it emits this
    std::uint64_t seed = 0;
    // Off only to measure what the cache saves: every step then re-runs the whole sequence.
    bool useKvCache = true;
};

struct GeneratedSequence {
    std::vector<std::int32_t> tokens; // the continuation, EOS included when emitted
    // log p(token | prefix) under the model's own distribution (temperature 1, no top-k/p
    // cut), so the caller gets the model's log-likelihood of what it sampled for free.
    std::vector<float> logProbs;
    bool endedWithEos = false;
};

// Called after each new token of each still-running row; return false to stop generation.
using TokenCallback = std::function<bool(std::int64_t row, std::int32_t token)>;

// Batched sampling from `model`: prompts are left-padded into one batch, encoded once (rows
// with identical prompts share one encoding), then extended one token at a time against the
// KV cache. Deterministic for a given seed.
// Throws cpo::Error when a prompt is empty or prompt + maxNewTokens exceeds the positions a
// GPT-2 model has.
std::vector<GeneratedSequence> generate(model::CausalLMImpl& model,
                                        const std::vector<std::vector<std::int32_t>>& prompts,
                                        const GenerateOptions& options,
                                        const TokenCallback& onToken = {});

} // namespace cpo::eval
