#pragma once

#include "data/examples.h"
#include "model/causal_lm.h"
#include "train/batching.h"

#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace cpo::train {

// Σ −log p(token) over the continuation tokens of a batch (Batch::lossMask: EOS included,
// prompt and padding excluded), as a float32 scalar on the model's device. Records gradients
// when autograd is on: the MLE step back-propagates it, evaluation runs it under NoGradGuard.
torch::Tensor summedContinuationNll(model::CausalLMImpl& model, const Batch& batch);

// Validation keeps no activations for backward, so it affords batches this many times the
// training batch.
inline constexpr std::int64_t kEvalBatchFactor = 4;

struct HeldOutLoss {
    double loss = 0.0;       // mean NLL per continuation token (EOS included)
    double perplexity = 0.0; // exp(loss)
    std::int64_t tokens = 0; // continuation tokens scored
};

// The mean NLL per continuation token of the first `count` examples (all when 0), in batches
// of `batchSize` sorted by length so each carries little padding. No gradients; leaves the
// model in the mode (train/eval) it was in. Empty examples give zeros.
HeldOutLoss heldOutLoss(model::CausalLMImpl& model,
                        std::span<const data::TokenizedExample> examples, std::size_t batchSize,
                        std::size_t count = 0);

} // namespace cpo::train
