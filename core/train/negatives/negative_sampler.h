#pragma once

#include "data/examples.h"
#include "model/causal_lm.h"
#include "train/negatives/strategy.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <string_view>
#include <vector>

namespace cpo::train::negatives {

using PerStrategy = std::array<std::int64_t, kStrategyCount>;

struct Negative {
    Tokens tokens;
    Strategy strategy = Strategy::An;
    // log π_ref(token | x, previous tokens) of each token, when the sampler got them for free
    // (AN: from sampling; TN: from the teacher-forced pass); empty otherwise.
    std::vector<float> referenceLogProbs;
};

// The generator every sampler draws from: std::mt19937_64, whose output the standard fixes,
// read only through the helpers below (std::uniform_*_distribution are implementation-defined),
// so a seed gives the same negatives with every standard library.
using Rng = std::mt19937_64;
std::uint64_t uniformIndex(Rng& rng, std::uint64_t n); // uniform in [0, n), n > 0
double uniformUnit(Rng& rng);                           // uniform in [0, 1)

// One generator per example, rows [firstRow, firstRow + rows) of a batch whose streams come
// from `streamSeed`: row r's is a pure function of the seed and r, so a data-parallel rank that
// holds rows 4..7 draws for them exactly what one process holding the whole batch draws.
std::vector<Rng> rowGenerators(std::uint64_t streamSeed, std::size_t firstRow, std::size_t rows);

struct SampleRequest {
    std::span<const data::TokenizedExample> batch;
    std::vector<std::int64_t> counts;    // negatives wanted for each example of the batch
    model::CausalLMImpl* reference = nullptr; // π_ref: frozen, eval mode
    tokenize::TokenId eosId = 0;
    // One per example: row i draws only from rngs[i] (rowGenerators), so its negatives do
    // not depend on the other rows. AN's batched generation takes its seed from rngs[0].
    std::span<Rng> rngs;
};

struct SampleResult {
    std::vector<std::vector<Negative>> negatives; // per example, counts[i] of them
    // log π_ref of each y1 token, per example, where a teacher-forced pass over (x, y1) was
    // run anyway (MN, TN); empty rows otherwise.
    std::vector<std::vector<float>> groundTruthReferenceLogProbs;
    PerStrategy redraws{}; // candidates rejected because they equalled y1
};

// One small interface for every strategy. Samplers never return y1 itself (nor a copy).
class NegativeSampler {
public:
    virtual ~NegativeSampler() = default;
    virtual SampleResult sample(const SampleRequest& request) = 0;
    // Called once per batch after sample(), in data order; samplers with a memory (BN's
    // rolling buffer) keep what they need. The memory is a pure function of the batches
    // seen, so a resumed run rebuilds it by replaying the last batches.
    virtual void observe(std::span<const data::TokenizedExample> /*batch*/) {}
    // How many of the most recent batches observe() must see to rebuild the memory.
    virtual std::int64_t memoryBatches(std::int64_t /*batchSize*/) const { return 0; }
};

} // namespace cpo::train::negatives
