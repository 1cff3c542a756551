#include "train/negatives/negative_sampler.h"

#include "util/hash.h"

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

std::vector<Rng> rowGenerators(std::uint64_t streamSeed, std::size_t firstRow, std::size_t rows)
{
    std::vector<Rng> generators;
    generators.reserve(rows);
    for (std::size_t r = firstRow; r < firstRow + rows; ++r)
        generators.emplace_back(mix64(fnv1a64(static_cast<std::uint64_t>(r), streamSeed)));
    return generators;
}

} // namespace cpo::train::negatives
