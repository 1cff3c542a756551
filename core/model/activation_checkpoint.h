#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

// Activation checkpointing of one transformer block: LibTorch 1.13's C++ API has no
// torch::utils::checkpoint, so this is a custom autograd function. Forward runs the block
// without recording its graph and keeps only the block's input; backward runs the block
// again with the graph and differentiates it. Memory for activations drops from every
// intermediate of every block to one tensor per block, for about one more forward pass of
// compute. The block must be deterministic (these models have no dropout).
namespace cpo::model {

using BlockFunction = std::function<torch::Tensor(const torch::Tensor& x)>;

// block(x), with the block's `parameters` (those that require grad get their gradients) and
// x's gradient computed in backward by running `block` again. `block` must stay callable
// until backward has run: capture what it needs by value.
torch::Tensor checkpointedBlock(BlockFunction block, const torch::Tensor& x,
                                const std::vector<torch::Tensor>& parameters);

} // namespace cpo::model
