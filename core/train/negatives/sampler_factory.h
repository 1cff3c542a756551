#pragma once

#include "train/negatives/an_sampler.h"
#include "train/negatives/negative_sampler.h"
#include "train/negatives/sampler_options.h"

#include <memory>
#include <span>

namespace cpo::train::negatives {

// The options with what the training set decides filled in: AN's length cap, when 0, is the
// longest continuation of the set (EOS included), so AN negatives run to their own EOS
// instead of being cut at y1's length (which made most of them EOS-less prefixes that
// taught when to stop rather than what to say).
SamplerOptions withDatasetDefaults(SamplerOptions options,
                                   std::span<const data::TokenizedExample> train);

// The sampler for these options; throws cpo::Error naming a value that cannot work.
std::unique_ptr<NegativeSampler> makeSampler(const SamplerOptions& options);

} // namespace cpo::train::negatives
