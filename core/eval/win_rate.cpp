#include "eval/win_rate.h"

#include "util/error.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace cpo::eval {
namespace {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// The fit's penalty on the slope (in units of standardised length): small enough to leave
// well-posed fits untouched to 1e-4, large enough to keep a separated one finite.
constexpr double kSlopeRidge = 1e-4;
constexpr int kMaxNewtonSteps = 100;

// The penalised log-likelihood the Newton steps climb.
double objective(std::span<const LengthOutcome> data, std::span<const double> x, double b0,
                 double b1)
{
    double total = -0.5 * kSlopeRidge * b1 * b1;
    for (std::size_t i = 0; i < data.size(); ++i) {
        const double eta = b0 + b1 * x[i];
        // log σ(η) and log(1 − σ(η)) without overflow.
        const double logP = -std::log1p(std::exp(-std::abs(eta))) + std::min(eta, 0.0);
        const double logQ = logP - eta;
        total += data[i].outcome * logP + (1.0 - data[i].outcome) * logQ;
    }
    return total;
}

} // namespace

void Tally::add(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Win: ++wins; break;
    case Verdict::Tie: ++ties; break;
    case Verdict::Loss: ++losses; break;
    }
}

WinRate winRate(const Tally& tally, double z)
{
    WinRate result;
    result.n = tally.total();
    if (result.n == 0) {
        result.rate = 0.5;
        result.ciHigh = 1.0;
        return result;
    }
    const double n = static_cast<double>(result.n);
    const double p = (static_cast<double>(tally.wins) + 0.5 * static_cast<double>(tally.ties)) / n;
    const double z2 = z * z;
    const double denominator = 1.0 + z2 / n;
    const double centre = (p + z2 / (2.0 * n)) / denominator;
    const double half = z * std::sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denominator;
    result.rate = p;
    result.ciLow = std::max(0.0, centre - half);
    result.ciHigh = std::min(1.0, centre + half);
    return result;
}

double outcomeValue(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Win: return 1.0;
    case Verdict::Tie: return 0.5;
    case Verdict::Loss: return 0.0;
    }
    return 0.5;
}

double lengthControlledWinRate(std::span<const LengthOutcome> outcomes)
{
    if (outcomes.empty())
        return 0.5;
    const double n = static_cast<double>(outcomes.size());
    double mean = 0.0;
    double meanOutcome = 0.0;
    for (const auto& item : outcomes) {
        mean += item.lengthDifference / n;
        meanOutcome += item.outcome / n;
    }
    double variance = 0.0;
    for (const auto& item : outcomes)
        variance += (item.lengthDifference - mean) * (item.lengthDifference - mean) / n;
    if (variance <= 0.0)
        return meanOutcome;
    // Standardised, not centred: Δ = 0 must stay x = 0, the point the rate is read at.
    const double scale = std::sqrt(variance);
    std::vector<double> x;
    x.reserve(outcomes.size());
    for (const auto& item : outcomes)
        x.push_back(item.lengthDifference / scale);

    double b0 = 0.0;
    double b1 = 0.0;
    double current = objective(outcomes, x, b0, b1);
    for (int iteration = 0; iteration < kMaxNewtonSteps; ++iteration) {
        double g0 = 0.0, g1 = -kSlopeRidge * b1;
        double h00 = 0.0, h01 = 0.0, h11 = kSlopeRidge;
        for (std::size_t i = 0; i < outcomes.size(); ++i) {
            const double p = sigmoid(b0 + b1 * x[i]);
            const double residual = outcomes[i].outcome - p;
            const double weight = p * (1.0 - p);
            g0 += residual;
            g1 += residual * x[i];
            h00 += weight;
            h01 += weight * x[i];
            h11 += weight * x[i] * x[i];
        }
        const double determinant = h00 * h11 - h01 * h01;
        if (!(determinant > 0.0))
            break;
        const double step0 = (h11 * g0 - h01 * g1) / determinant;
        const double step1 = (h00 * g1 - h01 * g0) / determinant;
        // Halve the Newton step until it does not lower the objective (it rarely must).
        double t = 1.0;
        double next = objective(outcomes, x, b0 + step0, b1 + step1);
        while (next < current && t > 1e-6) {
            t *= 0.5;
            next = objective(outcomes, x, b0 + t * step0, b1 + t * step1);
        }
        b0 += t * step0;
        b1 += t * step1;
        current = next;
        if (std::abs(t * step0) + std::abs(t * step1) < 1e-12)
            break;
    }
    return sigmoid(b0);
}

std::map<std::string, WinRate> perCategory(std::span<const std::string> categories,
                                           std::span<const Verdict> verdicts)
{
    if (categories.size() != verdicts.size())
        throw Error("per-category win rates need one category per verdict");
    std::map<std::string, Tally> tallies;
    for (std::size_t i = 0; i < verdicts.size(); ++i)
        tallies[categories[i]].add(verdicts[i]);
    std::map<std::string, WinRate> rates;
    for (const auto& [category, tally] : tallies)
        rates.emplace(category, winRate(tally));
    return rates;
}

double cohensKappa(std::span<const int> first, std::span<const int> second)
{
    if (first.size() != second.size())
        throw Error("Cohen's kappa needs both judges' labels of the same items (got "
                    + std::to_string(first.size()) + " and " + std::to_string(second.size())
                    + ")");
    if (first.empty())
        throw Error("Cohen's kappa needs at least one item judged by both judges");
    std::map<int, double> firstShare, secondShare;
    double observed = 0.0;
    const double n = static_cast<double>(first.size());
    for (std::size_t i = 0; i < first.size(); ++i) {
        firstShare[first[i]] += 1.0 / n;
        secondShare[second[i]] += 1.0 / n;
        if (first[i] == second[i])
            observed += 1.0 / n;
    }
    double chance = 0.0;
    for (const auto& [label, share] : firstShare)
        if (const auto other = secondShare.find(label); other != secondShare.end())
            chance += share * other->second;
    if (chance >= 1.0 - 1e-12)
        return 1.0;
    return (observed - chance) / (1.0 - chance);
}

} // namespace cpo::eval
