#pragma once

#include "eval/sampling_options.h"
#include "train/negatives/strategy.h"

#include <array>
#include <cstddef>
#include <cstdint>

// What the CPO phase asks of its negatives, free of LibTorch: the experiment file's `cpo`
// block parses straight into these (engine/experiment_reader.cpp).
namespace cpo::train::negatives {

struct AnOptions {
    eval::SamplingOptions sampling;
    // 0: each negative gets its ground truth's length budget. The trainer sets the dataset's
    // longest continuation instead (withDatasetDefaults), so samples end at their own EOS.
    std::int64_t maxNewTokens = 0;
    std::int64_t maxRedraws = 8;   // fresh samples tried for a negative that equals y1
};

struct SamplerOptions {
    SamplerKind kind = SamplerKind::Mix;
    // Relative weights of AN, BN, MN, TN in MixN (normalised when drawn); MixN only.
    std::array<double, kStrategyCount> mixWeights{0.25, 0.25, 0.25, 0.25};
    bool mixStratified = false; // MixN: each example's negatives cover the strategies in turn
    double mnFraction = 0.25;   // share of continuation positions MN replaces
    AnOptions an;
    std::size_t bnBufferCapacity = 256;
};

} // namespace cpo::train::negatives
