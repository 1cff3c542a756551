#pragma once

#include "eval/sampling_options.h"

#include <torch/torch.h>

namespace cpo::eval {

// Draws one token per row of logits [rows, vocab] (any device) using a CPU generator, so a
// seed gives the same draws whichever device ran the model. Returns int64 [rows] on the
// logits' device.
torch::Tensor sampleNextTokens(const torch::Tensor& logits, const SamplingOptions& options,
                               at::Generator& generator);

} // namespace cpo::eval
