#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace cpo::eval {

// How the next token is drawn from the model's distribution.
struct SamplingOptions {
    double temperature = 1.0; // 0 means greedy (argmax)
    std::int64_t topK = 0;    // 0: no top-k cut
    double topP = 1.0;        // 1: no nucleus cut
};

// Throws cpo::Error naming the option when a value is outside its range.
void validate(const SamplingOptions& options);

// Draws one token per row of logits [rows, vocab] (any device) using a CPU generator, so a
// seed gives the same draws whichever device ran the model. Returns int64 [rows] on the
// logits' device.
torch::Tensor sampleNextTokens(const torch::Tensor& logits, const SamplingOptions& options,
                               at::Generator& generator);

} // namespace cpo::eval
