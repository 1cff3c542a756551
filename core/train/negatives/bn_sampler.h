#pragma once

#include "train/negatives/negative_sampler.h"

#include <deque>

namespace cpo::train::negatives {

// BN: the ground-truth continuations of the other rows of the batch. When the batch has too
// few usable rows (fewer than K - 1 others), the rest come from a rolling buffer of the
// continuations of recent batches. A row never gets its own y1, nor any continuation equal
// to it (a duplicate example elsewhere in the batch or the buffer): those are skipped and
// counted as redraws. Draws are without replacement over the distinct continuations while
// they last, then with.
class BnSampler : public NegativeSampler {
public:
    explicit BnSampler(std::size_t bufferCapacity = 256);
    SampleResult sample(const SampleRequest& request) override;
    void observe(std::span<const data::TokenizedExample> batch) override;
    std::int64_t memoryBatches(std::int64_t batchSize) const override;

private:
    std::size_t m_capacity;
    std::deque<Tokens> m_buffer; // oldest first
};

} // namespace cpo::train::negatives
