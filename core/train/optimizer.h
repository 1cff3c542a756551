#pragma once

#include "model/causal_lm.h"
#include "train/train_options.h"

#include <torch/torch.h>

#include <memory>

namespace cpo::train {

// AdamW over a model's parameters in two groups: weight decay on the matrices only. Shrinking
// biases and norm gains towards 0 regularises nothing useful and fights LayerNorm's scale
// (nanoGPT and HF's Trainer do the same). Both training phases build their optimizer here, so
// a checkpoint's optimizer state always has the same groups in the same order.
std::unique_ptr<torch::optim::AdamW> makeOptimizer(model::CausalLMImpl& model,
                                                   const OptimizerOptions& options);

} // namespace cpo::train
