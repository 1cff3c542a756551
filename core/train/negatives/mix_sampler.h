#pragma once

#include "train/negatives/negative_sampler.h"

#include <memory>

namespace cpo::train::negatives {

// MixN: each negative slot of each example draws its strategy from `weights` (normalised;
// strategies of weight 0 are never asked), then every strategy fills its slots in one call.
// The negatives keep the slot order, so the mix and the result are a pure function of the
// generator's state. Strategies are asked in the fixed order AN, BN, MN, TN.
class MixSampler : public NegativeSampler {
public:
    // samplers[s] serves Strategy s; it may be null where weights[s] is 0.
    MixSampler(std::array<double, kStrategyCount> weights,
               std::array<std::unique_ptr<NegativeSampler>, kStrategyCount> samplers);
    SampleResult sample(const SampleRequest& request) override;
    void observe(std::span<const data::TokenizedExample> batch) override;
    std::int64_t memoryBatches(std::int64_t batchSize) const override;

private:
    std::array<double, kStrategyCount> m_cumulative{}; // normalised cumulative weights
    std::array<std::unique_ptr<NegativeSampler>, kStrategyCount> m_samplers;
};

} // namespace cpo::train::negatives
