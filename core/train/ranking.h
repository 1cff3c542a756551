#pragma once

#include "model/causal_lm.h"

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace cpo::train {

// The ranking embedding of DESIGN.md §1: the final hidden state of `model`, mean-pooled over
// the continuation tokens only. ids / attentionMask: [N, T]; continuationMask: [N, T], 1 on
// the continuation's tokens (EOS included). Runs without gradients, in eval mode (restoring
// the model's mode). Returns [N, hidden] float32 on the model's device.
torch::Tensor continuationEmbeddings(model::CausalLMImpl& model, const torch::Tensor& ids,
                                     const torch::Tensor& attentionMask,
                                     const torch::Tensor& continuationMask);

struct RankedNegatives {
    std::vector<std::int64_t> order;   // indices into the negatives, most similar to y1 first
    std::vector<double> similarities;  // cosine similarity of each negative (by its index) to y1
};

// Orders negatives by cosine similarity of their embedding ([K-1, hidden]) to the ground
// truth's ([hidden]), most similar first; equal similarities keep index order, so the
// result is deterministic.
RankedNegatives rankBySimilarity(const torch::Tensor& groundTruth, const torch::Tensor& negatives);

} // namespace cpo::train
