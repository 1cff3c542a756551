#pragma once

#include "data/examples.h"

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace cpo::train {

// A padded batch of (prefix, continuation) pairs, one row per example, prefix then
// continuation, right-padded to the longest row.
//
// lossMask marks the positions whose *token* is scored: the continuation tokens, EOS
// included; the prompt and the padding are 0. Next-token prediction scores token t with the
// logits at t - 1, so the loss uses logits[:, :-1] against inputIds[:, 1:] weighted by
// lossMask[:, 1:]. (An empty prefix would leave the first continuation token with nothing to
// predict it; batching refuses it.)
struct Batch {
    torch::Tensor inputIds;          // [B, T] int64, padding = padId
    torch::Tensor attentionMask;     // [B, T] int64, 1 on real tokens
    torch::Tensor lossMask;          // [B, T] float32, 1 on continuation tokens
    torch::Tensor continuationStart; // [B] int64: the prefix length of each row
    std::int64_t realTokens = 0;     // sum of attentionMask
    std::int64_t lossTokens = 0;     // sum of lossMask
};

// Builds the batch of examples[indices[i]] (CPU tensors). Throws cpo::Error for an example
// with an empty prefix or continuation.
Batch makeBatch(std::span<const data::TokenizedExample> examples,
                std::span<const std::size_t> indices, std::int64_t padId = 0);

// Where a sampler stands: which epoch, and how many batches of it were handed out. With the
// seed this is the whole state of the data order (each epoch's order is a pure function of
// seed and epoch), so saving it is enough to resume exactly.
struct DataCursor {
    std::uint64_t seed = 0;
    std::uint64_t epoch = 0;
    std::uint64_t position = 0; // batches of this epoch already handed out
    bool operator==(const DataCursor&) const = default;
};

// Length-bucketed, shuffled batches of example indices, epoch after epoch.
//
// Each epoch: shuffle all indices (seeded by seed and epoch); cut the shuffled list into
// pools of `bucketPool` batches; sort each pool by length (so a batch holds examples of
// similar length and little padding); cut pools into batches; shuffle the batch order. The
// last batch of an epoch may be smaller. Shuffling is our own Fisher-Yates over
// std::mt19937_64 (whose output the standard fixes), so the order is the same with every
// standard library.
class BatchSampler {
public:
    BatchSampler(std::span<const data::TokenizedExample> examples, std::int64_t batchSize,
                 std::uint64_t seed, std::int64_t bucketPool = 64);

    // The next batch's indices; moves to the next epoch after the last batch of one.
    std::vector<std::size_t> next();

    const DataCursor& cursor() const { return m_cursor; }
    // Throws cpo::Error when the cursor's seed is not this sampler's or its position lies
    // beyond the epoch.
    void setCursor(const DataCursor& cursor);
    std::size_t batchesPerEpoch() const;

private:
    void buildEpoch();

    std::vector<std::size_t> m_lengths;
    std::size_t m_batchSize;
    std::size_t m_bucketPool;
    DataCursor m_cursor;
    std::optional<std::uint64_t> m_builtEpoch; // the epoch m_batches holds
    std::vector<std::vector<std::size_t>> m_batches; // the current epoch's
};

} // namespace cpo::train
