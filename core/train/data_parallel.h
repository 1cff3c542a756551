#pragma once

#include "data/examples.h"
#include "model/causal_lm.h"
#include "train/collective.h"
#include "train/run_control.h"

#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

// Data-parallel training's pieces both trainers share: which slice of the global batch a rank
// takes, the bucketed gradient all-reduce, the start from rank 0's weights and the agreement
// on stop and cancel.
namespace cpo::train {

// Rank `rank`'s contiguous slice [begin, end) of a batch of `size` examples: the first
// size % ranks ranks take one example more. Every rank sums its slice's losses and the
// normalisers (tokens, examples) are the global batch's, so uneven slices stay exact.
struct Shard {
    std::size_t begin = 0;
    std::size_t end = 0;
    std::size_t size() const { return end - begin; }
};
Shard shardOf(std::size_t size, int rank, int ranks);

// Throws cpo::Error naming `field` when a batch of `batchSize` cannot give every one of
// `ranks` ranks an example.
void requireShardable(std::int64_t batchSize, int ranks, std::string_view field);

// The training tokens (prefix + continuation) and loss tokens (continuation) of
// examples[indices]: the normalisers of the global batch, known to every rank without
// communication.
struct TokenCounts {
    std::int64_t real = 0;
    std::int64_t loss = 0;
};
TokenCounts countTokens(std::span<const data::TokenizedExample> examples,
                        std::span<const std::size_t> indices);

// Sums every parameter's gradient over the ranks, flattened into buckets of about
// `bucketBytes` (one all-reduce each), and `scalars` with them (in float64). A parameter
// without a gradient contributes zeros and gets the sum.
void allReduceGradients(Collective& collective, const std::vector<torch::Tensor>& parameters,
                        std::vector<double>& scalars, std::int64_t bucketBytes = 4 << 20);

// Sums plain numbers (metrics) over the ranks, in float64.
void allReduceSum(Collective& collective, std::vector<double>& values);

// Every rank's parameters and buffers become rank 0's.
void broadcastModel(Collective& collective, model::CausalLMImpl& model);

// The action every rank takes: a cancel anywhere cancels, else a stop anywhere stops (a
// Ctrl+C reaches the ranks at different moments; they must still leave at the same step).
ControlAction agreeOnAction(Collective& collective, ControlAction local);

} // namespace cpo::train
