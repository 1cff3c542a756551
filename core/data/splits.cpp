#include "data/splits.h"

#include "util/error.h"
#include "util/hash.h"
#include "util/log.h"

#include <spdlog/fmt/fmt.h>

#include <cmath>

namespace cpo::data {

std::string_view splitName(Split split)
{
    switch (split) {
    case Split::Train: return "train";
    case Split::Validation: return "validation";
    case Split::Test: return "test";
    }
    return "unknown";
}

void SplitFractions::validate() const
{
    const auto inRange = [](double f) { return f >= 0.0 && f <= 1.0; };
    const double sum = train + validation + test;
    if (!inRange(train) || !inRange(validation) || !inRange(test) || std::abs(sum - 1.0) > 1e-6)
        throw Error(fmt::format("split fractions train {} + validation {} + test {} = {}; each "
                                "must lie in [0, 1] and together they must make 1",
                                train, validation, test, sum));
}

Split assignSplit(std::uint64_t groupHash, const SplitFractions& fractions, std::uint64_t seed)
{
    fractions.validate();
    // Dividing by the sum makes the last threshold exactly 1, so an empty test share stays
    // empty even when the fractions add up to 1 only within rounding.
    const double sum = fractions.train + fractions.validation + fractions.test;
    const double u = unitInterval(groupHash ^ mix64(seed));
    if (u < fractions.train / sum)
        return Split::Train;
    if (u < (fractions.train + fractions.validation) / sum)
        return Split::Validation;
    return Split::Test;
}

SplitDatasets splitExamples(std::vector<TokenizedExample> examples,
                            const SplitFractions& fractions, std::uint64_t seed)
{
    fractions.validate();
    SplitDatasets out;
    for (TokenizedExample& example : examples) {
        switch (assignSplit(example.groupHash, fractions, seed)) {
        case Split::Train: out.train.push_back(std::move(example)); break;
        case Split::Validation: out.validation.push_back(std::move(example)); break;
        case Split::Test: out.test.push_back(std::move(example)); break;
        }
    }
    cpo::log::get("data")->info("split {} examples: train {}, validation {}, test {}",
                                examples.size(), out.train.size(), out.validation.size(),
                                out.test.size());
    return out;
}

} // namespace cpo::data
