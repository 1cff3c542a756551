#pragma once

#include "data/examples.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace cpo::data {

enum class Split { Train, Validation, Test };

std::string_view splitName(Split split);

struct SplitFractions {
    double train = 0.9;
    double validation = 0.05;
    double test = 0.05;

    // Throws cpo::Error unless each lies in [0, 1] and they add up to 1 (within 1e-6).
    void validate() const;
};

// The split of an example with this group hash: a pure function of the hash, the fractions
// and the seed, so an example keeps its split whatever else is in the dataset and in which
// order. A different seed draws a different, equally deterministic, split.
Split assignSplit(std::uint64_t groupHash, const SplitFractions& fractions,
                  std::uint64_t seed = 0);

struct SplitDatasets {
    std::vector<TokenizedExample> train;
    std::vector<TokenizedExample> validation;
    std::vector<TokenizedExample> test;
};

// Distributes examples by assignSplit() of their groupHash, keeping their order within each
// split, and logs the sizes. Throws cpo::Error for invalid fractions.
SplitDatasets splitExamples(std::vector<TokenizedExample> examples,
                            const SplitFractions& fractions = {}, std::uint64_t seed = 0);

} // namespace cpo::data
