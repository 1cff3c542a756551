#pragma once

#include "eval/generate.h"
#include "tokenize/tokenizer.h"

#include <cstdint>
#include <string_view>
#include <vector>

// One setup of a free generation from a prompt, shared by `cpo generate` and the playground
// so that both refuse and tokenize alike.
namespace cpo::eval {

// What a person sets for a generation.
struct GenerationSettings {
    SamplingOptions sampling;
    std::int64_t maxNewTokens = 64;
    std::uint64_t seed = 0;
};

struct PreparedGeneration {
    std::vector<std::int32_t> prompt; // token ids to continue
    GenerateOptions options;          // stopping at the tokenizer's EOS, when it has one
};

// The prompt's tokens (BOS alone for an empty prompt) and the generation options. Throws
// cpo::Error for an empty prompt when the tokenizer has no BOS token to start from.
PreparedGeneration prepareGeneration(const tokenize::Tokenizer& tokenizer,
                                     std::string_view prompt,
                                     const GenerationSettings& settings);

} // namespace cpo::eval
