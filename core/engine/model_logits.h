#pragma once

#include "util/error.h"

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

// `cpo logits`: a model's next-token logits along a token sequence, for checking a model
// against a reference implementation.
namespace cpo::engine {

// A token id the model's vocabulary does not have; what() names it and the vocabulary size.
class TokenIdError : public Error {
public:
    using Error::Error;
};

// The logits (float) at every position of `tokens`: one row of vocabulary size per token.
// Loads the model folder on `device` ("cpu", "cuda", "cuda:N", "auto").
std::vector<std::vector<float>> nextTokenLogits(const std::filesystem::path& modelDir,
                                                const std::string& device,
                                                std::span<const std::int64_t> tokens);

} // namespace cpo::engine
