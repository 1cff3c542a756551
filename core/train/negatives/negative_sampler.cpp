#include "train/negatives/negative_sampler.h"

namespace cpo::train::negatives {

std::uint64_t uniformIndex(Rng& rng, std::uint64_t n)
{
    // Rejection keeps it exactly uniform: draws in the last partial block of n are redrawn.
    const std::uint64_t limit = Rng::max() - (Rng::max() % n + 1) % n;
    std::uint64_t draw = rng();
    while (draw > limit)
        draw = rng();
    return draw % n;
}

double uniformUnit(Rng& rng)
{
    return static_cast<double>(rng() >> 11) * 0x1.0p-53; // the top 53 bits
}

} // namespace cpo::train::negatives
