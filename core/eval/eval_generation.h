#pragma once

#include "data/examples.h"
#include "eval/generate.h"
#include "eval/sampling.h"
#include "model/causal_lm.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace cpo::eval {

// How an evaluation decodes: greedy (temperature 0, the default) or sampled, up to EOS or a
// length cap.
struct Decoding {
    SamplingOptions sampling{0.0, 0, 1.0};
    std::int64_t maxNewTokens = 0; // 0: the longest ground truth of the prompt set
    std::uint64_t seed = 0;
    std::size_t batchSize = 64; // prompts per batch (KV cache, batched)
};

// One continuation per example prefix, batched with the KV cache. Batch i draws from
// seed + i·batchSize, so a continuation depends on the seed and its index only: the same
// seed gives the same continuations for every model compared (common random numbers), and
// the same model gives the same ones whatever the number of examples after it. Leaves the
// model in the mode it was in.
std::vector<GeneratedSequence> generateContinuations(model::CausalLMImpl& model,
                                                     std::span<const data::TokenizedExample>
                                                         examples,
                                                     const Decoding& decoding,
                                                     std::optional<std::int64_t> eosId);

// The cap a Decoding with maxNewTokens 0 means: the longest continuation among the examples.
std::int64_t longestContinuation(std::span<const data::TokenizedExample> examples);

} // namespace cpo::eval
