#pragma once

#include "tokenize/tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cpo::data {

// One (x, y1) pair as text: x the prompt the model is conditioned on, y1 its ground truth.
struct TextExample {
    std::string prompt;
    std::string continuation;
    std::string category;
};

// One (x, y1) pair as token ids, ready for batching.
struct TokenizedExample {
    std::vector<tokenize::TokenId> prefix;
    // Ends with the tokenizer's EOS, except where tokenizeExamples() had to cut the ground
    // truth short (then the text did not end there, and an EOS would teach the model to stop
    // mid-sentence, exactly what truncation negatives are meant to punish).
    std::vector<tokenize::TokenId> continuation;
    std::string category;
    // Identity of the example: exampleHash() of its prompt and continuation text.
    std::uint64_t hash = 0;
    // What splits go by: examples sharing it always land in the same split. The example's own
    // hash for instruction data; its document's for windows cut from a text corpus, so that
    // overlapping windows of one article never straddle train and test.
    std::uint64_t groupHash = 0;
};

// A stable 64-bit identity of an example, the same on every platform and run: FNV-1a over
// the length-prefixed prompt and continuation bytes (the lengths keep ("ab", "c") and
// ("a", "bc") apart).
std::uint64_t exampleHash(std::string_view prompt, std::string_view continuation);

// Token budgets of one example; 0 means no limit.
struct TokenizeLimits {
    std::size_t maxPrefixTokens = 512;
    std::size_t maxContinuationTokens = 512; // EOS included
};

struct TokenizeReport {
    std::size_t input = 0;
    std::size_t kept = 0;
    std::size_t droppedEmpty = 0;          // prompt or continuation encoded to no tokens
    std::size_t prefixTruncated = 0;       // lost tokens at the start of the prompt
    std::size_t continuationTruncated = 0; // lost tokens at the end (and its EOS)
};

struct TokenizedDataset {
    std::vector<TokenizedExample> examples;
    TokenizeReport report;
};

// Encodes each prompt to a prefix and each continuation to its ids + EOS; special tokens
// spelled in the text are not parsed (data must not smuggle in an EOS). A prefix that is too
// long keeps its end, where the prompt meets the answer (a template's "### Response:"); a
// continuation keeps its start. Examples whose prompt or continuation encodes to nothing are
// dropped. Throws cpo::Error when the tokenizer has no EOS token.
TokenizedDataset tokenizeExamples(std::span<const TextExample> examples,
                                  const tokenize::Tokenizer& tokenizer,
                                  const TokenizeLimits& limits = {});

} // namespace cpo::data
