#pragma once

#include <torch/torch.h>

namespace cpo::train {

// log_softmax(logits, -1).gather(-1, targets): the log-probability of each target token, with
// less memory traffic than the two ops. Forward normalises once and keeps only the picked
// values and each row's logsumexp; backward writes the gradient in one pass,
// g · (onehot(target) − softmax), instead of a zero-filled gather gradient plus
// log_softmax's backward. logits: [..., vocab] float32 or double; targets: [...] int64.
torch::Tensor selectedLogProbs(const torch::Tensor& logits, const torch::Tensor& targets);

} // namespace cpo::train
