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
    // samplers[s] serves Strategy s; it may be null where weights[s] is 0. Stratified, an
    // example's slots are drawn systematically instead of independently: one uniform u, slot
    // n takes the strategy at (u + n) / slots of the cumulative weights, so each example's
    // negatives cover the strategies in turn, in proportion to their weights (with K − 1 = 3
    // and equal weights over four, three different strategies every time).
    MixSampler(std::array<double, kStrategyCount> weights,
               std::array<std::unique_ptr<NegativeSampler>, kStrategyCount> samplers,
               bool stratified = false);
    SampleResult sample(const SampleRequest& request) override;
    void observe(std::span<const data::TokenizedExample> batch) override;
    std::int64_t memoryBatches(std::int64_t batchSize) const override;

private:
    std::array<double, kStrategyCount> m_cumulative{}; // normalised cumulative weights
    std::array<std::unique_ptr<NegativeSampler>, kStrategyCount> m_samplers;
    bool m_stratified;
};

} // namespace cpo::train::negatives
