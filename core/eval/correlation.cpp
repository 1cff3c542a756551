#include "eval/correlation.h"

#include "util/error.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

namespace cpo::eval {
namespace {

void requireSameLength(std::span<const double> a, std::span<const double> b)
{
    if (a.size() != b.size())
        throw Error("rank correlation needs two scorings of the same items, got " +
                    std::to_string(a.size()) + " and " + std::to_string(b.size()) + " values");
}

int sign(double x)
{
    return (x > 0.0) - (x < 0.0);
}

// 1-based ranks; a run of equal values shares the mean of the positions it spans. The ranks
// are multiples of 1/2, so every sum Spearman's rho takes over them is exact in double.
std::vector<double> averageRanks(std::span<const double> values)
{
    std::vector<std::size_t> order(values.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t i, std::size_t j) { return values[i] < values[j]; });
    std::vector<double> ranks(values.size());
    for (std::size_t start = 0; start < order.size();) {
        std::size_t end = start + 1;
        while (end < order.size() && values[order[end]] == values[order[start]])
            ++end;
        // Positions start+1 .. end (1-based) have mean (start + 1 + end) / 2.
        const double rank = static_cast<double>(start + 1 + end) / 2.0;
        for (std::size_t k = start; k < end; ++k)
            ranks[order[k]] = rank;
        start = end;
    }
    return ranks;
}

} // namespace

// O(n²) over pairs: n is the number of candidates of one example (K), so counting pairs
// directly is both the fastest in practice and exact (integer counts).
double kendallTau(std::span<const double> a, std::span<const double> b)
{
    requireSameLength(a, b);
    const std::size_t n = a.size();
    std::int64_t score = 0;   // concordant − discordant pairs
    std::int64_t pairs = 0;   // n(n−1)/2
    std::int64_t tiedA = 0;   // pairs tied in a
    std::int64_t tiedB = 0;   // pairs tied in b
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = i + 1; j < n; ++j) {
            const int da = sign(a[i] - a[j]);
            const int db = sign(b[i] - b[j]);
            ++pairs;
            tiedA += da == 0;
            tiedB += db == 0;
            score += da * db;
        }
    }
    const auto denominator = static_cast<double>(pairs - tiedA) *
                             static_cast<double>(pairs - tiedB);
    return denominator > 0.0 ? static_cast<double>(score) / std::sqrt(denominator) : 0.0;
}

// Pearson's correlation of the average ranks. Both rank vectors sum to n(n+1)/2, so both
// means are (n+1)/2.
double spearmanRho(std::span<const double> a, std::span<const double> b)
{
    requireSameLength(a, b);
    if (a.size() < 2)
        return 0.0;
    const auto ranksA = averageRanks(a);
    const auto ranksB = averageRanks(b);
    const double mean = static_cast<double>(a.size() + 1) / 2.0;
    double covariance = 0.0;
    double varianceA = 0.0;
    double varianceB = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double da = ranksA[i] - mean;
        const double db = ranksB[i] - mean;
        covariance += da * db;
        varianceA += da * da;
        varianceB += db * db;
    }
    const double denominator = varianceA * varianceB;
    return denominator > 0.0 ? covariance / std::sqrt(denominator) : 0.0;
}

} // namespace cpo::eval
