#pragma once

#include "eval/sampling_options.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

// Free generation from a prompt: the one setup `cpo generate` and the playground share, so
// both load, refuse and tokenize alike. Free of LibTorch (the model lives behind a pointer):
// the playground's worker compiles without its headers.
namespace cpo::engine {

// What a person sets for a generation.
struct GenerationSettings {
    eval::SamplingOptions sampling;
    std::int64_t maxNewTokens = 64;
    std::uint64_t seed = 0;
};

struct Generation {
    std::vector<std::int32_t> tokens; // the continuation, EOS included when emitted
    // log p(token | prefix) under the model's own distribution (temperature 1, no cut).
    std::vector<float> logProbs;
    bool endedWithEos = false;
};

// Called after each new token with the continuation so far; return false to stop there.
using GenerationProgress = std::function<bool(const std::vector<std::int32_t>& tokens)>;

// A model and its tokenizer, loaded once for any number of generations. Not thread-safe: one
// thread uses a session at a time.
class GenerationSession {
public:
    // Loads both (device: "cpu", "cuda", "cuda:N" or "auto"); throws cpo::Error naming what
    // could not be loaded.
    GenerationSession(const std::string& modelDir, const std::string& tokenizerPath,
                      const std::string& device);
    ~GenerationSession();
    GenerationSession(const GenerationSession&) = delete;
    GenerationSession& operator=(const GenerationSession&) = delete;

    // The tokenizer in a few words ("byte-level BPE, 50257 tokens").
    std::string describeTokenizer() const;
    // The prompt's tokens, BOS alone for an empty prompt. Throws cpo::Error for an empty
    // prompt when the tokenizer has no BOS token to start from.
    std::vector<std::int32_t> encodePrompt(std::string_view prompt) const;
    std::string decode(const std::vector<std::int32_t>& tokens) const;

    // Samples a continuation of `prompt` (from encodePrompt), stopping at the tokenizer's EOS
    // when it has one. Deterministic for a given seed; LibTorch's errors come as cpo::Error.
    Generation generate(const std::vector<std::int32_t>& prompt,
                        const GenerationSettings& settings,
                        const GenerationProgress& onToken = {});

private:
    struct Loaded;
    std::unique_ptr<Loaded> m_loaded;
};

} // namespace cpo::engine
