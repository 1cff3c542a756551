#pragma once

#include "train/negatives/an_sampler.h"
#include "train/negatives/negative_sampler.h"

#include <array>
#include <memory>

namespace cpo::train::negatives {

// What the CPO phase asks of its negatives (CpoSpec's sampler fields).
struct SamplerOptions {
    SamplerKind kind = SamplerKind::Mix;
    std::array<double, kStrategyCount> mixWeights{0.25, 0.25, 0.25, 0.25}; // AN, BN, MN, TN
    double mnFraction = 0.25;
    AnOptions an;
    std::size_t bnBufferCapacity = 256;
};

// The sampler for these options; throws cpo::Error naming a value that cannot work.
std::unique_ptr<NegativeSampler> makeSampler(const SamplerOptions& options);

} // namespace cpo::train::negatives
