#pragma once

#include <torch/torch.h>

namespace cpo::train {

// The contrastive losses of DESIGN.md §1, one value per example.
//
// rewards: [B, K] implicit rewards h(y) = Σ log π_θ − Σ log π_ref, column 0 the ground truth.
// Without ranking (order undefined): L = −log softmax(β·h)[0].
// With ranking: order [B, K] int64, a permutation of the columns per row with order[:, 0] = 0
// (the ground truth first, then the negatives most similar to it first). Plackett–Luce:
// L = Σ_{k=1..K−1} −log( exp(β h_τ(k)) / Σ_{j≥k} exp(β h_τ(j)) ), every denominator a
// logsumexp, so large β·h neither overflows nor underflows.
// Returns [B]. With K = 2 both forms equal DPO's −log σ(β (h1 − h2)).
torch::Tensor contrastiveLoss(const torch::Tensor& rewards, double beta,
                              const torch::Tensor& order = {});

} // namespace cpo::train
