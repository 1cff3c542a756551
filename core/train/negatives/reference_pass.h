#pragma once

#include "data/examples.h"
#include "model/causal_lm.h"

#include <torch/torch.h>

#include <span>
#include <vector>

namespace cpo::train::negatives {

// One teacher-forced pass of π_ref over (x, y1) for a batch: what MN samples from and what
// TN's and y1's reference log-probs are read from.
struct ReferencePass {
    // log π_ref(· | x, y1<t) for each continuation position t: [B, maxContinuation, vocab]
    // float32 on the model's device; rows past a continuation's end hold garbage.
    torch::Tensor logProbs;
    // log π_ref(y1_t | x, y1<t), per example.
    std::vector<std::vector<float>> groundTruth;
};

// Runs without gradients, in eval mode (restoring the model's mode).
ReferencePass runReferencePass(model::CausalLMImpl& reference,
                               std::span<const data::TokenizedExample> batch);

} // namespace cpo::train::negatives
