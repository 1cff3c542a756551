#pragma once

#include "eval/sampling.h"
#include "train/negatives/negative_sampler.h"
#include "train/negatives/sampler_options.h"

namespace cpo::train::negatives {

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
