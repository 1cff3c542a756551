#pragma once

#include "train/negatives/negative_sampler.h"

namespace cpo::train::negatives {

// TN (truncation): y1 cut after a uniformly random number c of its tokens, c in
// [0, |y1| - 2], then EOS: always strictly shorter than y1, so never equal to it. The
// reference log-probs are free: y1's first c from one teacher-forced pass over (x, y1), plus
// log π_ref(EOS | x, y1<c) from the same pass; y1's own come back too.
class TnSampler : public NegativeSampler {
public:
    SampleResult sample(const SampleRequest& request) override;
};

} // namespace cpo::train::negatives
