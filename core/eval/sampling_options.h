#pragma once

#include <cstdint>

// How the next token is drawn, free of LibTorch so experiment files can hold it.
namespace cpo::eval {

// How the next token is drawn from the model's distribution.
struct SamplingOptions {
    double temperature = 1.0; // 0 means greedy (argmax)
    std::int64_t topK = 0;    // 0: no top-k cut
    double topP = 1.0;        // 1: no nucleus cut
};

// Throws cpo::Error naming the option when a value is outside its range.
void validate(const SamplingOptions& options);

} // namespace cpo::eval
