#pragma once

#include "train/negatives/negative_sampler.h"

namespace cpo::train::negatives {

// MN (mean-field): one teacher-forced pass of π_ref over (x, y1); in each negative a fraction
// `fraction` of y1's positions (at least one) is replaced, each by a sample from
// π_ref(· | x, y1<t) with y1_t itself and EOS excluded. Every pick is conditioned on the clean
// prefix, so the whole batch costs one forward pass.
//
// The final EOS of y1 is never replaced: MN negatives keep y1's length and end, so they test
// content only (TN tests where to stop), and a replaced EOS would leave a sequence without an
// end. EOS is also never sampled into the middle. Eligible positions: all of y1's but a final
// EOS. Since each replacement differs from y1_t, a negative never equals y1 (no redraws).
// The pass also gives y1's reference log-probs, returned for free; a negative's own are not
// free (the tokens after a replacement see a changed prefix).
class MnSampler : public NegativeSampler {
public:
    explicit MnSampler(double fraction = 0.25);
    SampleResult sample(const SampleRequest& request) override;

private:
    double m_fraction;
};

// How many of `eligible` positions MN replaces: round(fraction * eligible), at least 1.
std::int64_t mnReplacements(double fraction, std::int64_t eligible);

} // namespace cpo::train::negatives
