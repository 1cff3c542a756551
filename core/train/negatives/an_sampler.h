#pragma once

#include "eval/sampling.h"
#include "train/negatives/negative_sampler.h"

namespace cpo::train::negatives {

struct AnOptions {
    eval::SamplingOptions sampling;
    // 0: each negative gets its ground truth's length budget. The trainer sets the dataset's
    // longest continuation instead (withDatasetDefaults), so samples end at their own EOS.
    std::int64_t maxNewTokens = 0;
    std::int64_t maxRedraws = 8;   // fresh samples tried for a negative that equals y1
};

// AN: continuations sampled from π_ref given x, all of a batch in one batched generation with
// a KV cache. The length budget is y1's length (EOS included) unless maxNewTokens is set; a
// sample that reaches its budget stops there without EOS. The per-token reference log-probs
// come with the samples (eval::generate returns the untempered ones, which is what h(y)
// needs whatever the decoding options). A sample equal to y1 is redrawn; if it still equals
// y1 after maxRedraws tries (greedy decoding of a model that learnt y1), it is cut at a
// random position and ended with EOS, as TN would, and counted as one more redraw.
class AnSampler : public NegativeSampler {
public:
    explicit AnSampler(AnOptions options);
    SampleResult sample(const SampleRequest& request) override;

private:
    AnOptions m_options;
};

} // namespace cpo::train::negatives
