#include "train/cpo/cpo_metrics.h"

#include "eval/correlation.h"

#include <algorithm>
#include <array>

namespace cpo::train {
namespace {

// Where each sum lies in scoreTotals(); then four per strategy (count, reward, π_θ, π_ref).
enum Total : std::size_t {
    Examples,
    Negatives,
    GroundTruthTokens,
    GroundTruthGap,
    RewardGroundTruth,
    PolicyGroundTruth,
    ReferenceGroundTruth,
    Margin,
    Accuracy,
    KendallTau,
    SpearmanRho,
    RewardNegatives,
    PolicyNegatives,
    ReferenceNegatives,
    FirstStrategy,
};
constexpr std::size_t kPerStrategy = 4;
constexpr std::size_t kTotals = FirstStrategy + kPerStrategy * negatives::kStrategyCount;

std::size_t strategyTotal(std::size_t strategy, std::size_t field)
{
    return FirstStrategy + kPerStrategy * strategy + field;
}

} // namespace

std::vector<double> scoreTotals(std::span<const ExampleScores> examples)
{
    std::vector<double> t(kTotals, 0.0);
    for (const auto& e : examples) {
        t[Examples] += 1.0;
        t[RewardGroundTruth] += e.rewards[0];
        t[PolicyGroundTruth] += e.policy[0];
        t[ReferenceGroundTruth] += e.reference[0];
        t[GroundTruthGap] += e.policy[0] - e.reference[0];
        t[GroundTruthTokens] += static_cast<double>(e.groundTruthTokens);
        const double best = *std::max_element(e.rewards.begin() + 1, e.rewards.end());
        t[Margin] += e.rewards[0] - best;
        t[Accuracy] += e.rewards[0] > best ? 1.0 : 0.0;
        std::vector<double> target(e.targetRank.size());
        for (std::size_t k = 0; k < target.size(); ++k)
            target[k] = -static_cast<double>(e.targetRank[k]); // higher = should score higher
        t[KendallTau] += eval::kendallTau(e.rewards, target);
        t[SpearmanRho] += eval::spearmanRho(e.rewards, target);
        for (std::size_t k = 1; k < e.rewards.size(); ++k) {
            t[Negatives] += 1.0;
            t[RewardNegatives] += e.rewards[k];
            t[PolicyNegatives] += e.policy[k];
            t[ReferenceNegatives] += e.reference[k];
            const auto s = static_cast<std::size_t>(*e.strategies[k]);
            t[strategyTotal(s, 0)] += 1.0;
            t[strategyTotal(s, 1)] += e.rewards[k];
            t[strategyTotal(s, 2)] += e.policy[k];
            t[strategyTotal(s, 3)] += e.reference[k];
        }
    }
    return t;
}

void summariseTotals(std::span<const double> t, CpoStepMetrics& metrics)
{
    const double n = t[Examples];
    if (n <= 0.0)
        return;
    metrics.rewardGroundTruth = t[RewardGroundTruth] / n;
    metrics.policyLogProbGroundTruth = t[PolicyGroundTruth] / n;
    metrics.referenceLogProbGroundTruth = t[ReferenceGroundTruth] / n;
    metrics.margin = t[Margin] / n;
    metrics.accuracy = t[Accuracy] / n;
    metrics.kendallTau = t[KendallTau] / n;
    metrics.spearmanRho = t[SpearmanRho] / n;
    const double negatives = t[Negatives];
    const auto perNegative = [&](double sum) { return negatives > 0.0 ? sum / negatives : 0.0; };
    metrics.rewardNegatives = perNegative(t[RewardNegatives]);
    metrics.policyLogProbNegatives = perNegative(t[PolicyNegatives]);
    metrics.referenceLogProbNegatives = perNegative(t[ReferenceNegatives]);
    metrics.klGroundTruth =
        t[GroundTruthTokens] > 0.0 ? t[GroundTruthGap] / t[GroundTruthTokens] : 0.0;
    for (std::size_t s = 0; s < negatives::kStrategyCount; ++s) {
        auto& strategy = metrics.strategies[s];
        const double count = t[strategyTotal(s, 0)];
        strategy.negatives = static_cast<std::int64_t>(count);
        strategy.reward = count > 0.0 ? t[strategyTotal(s, 1)] / count : 0.0;
        strategy.policyLogProb = count > 0.0 ? t[strategyTotal(s, 2)] / count : 0.0;
        strategy.referenceLogProb = count > 0.0 ? t[strategyTotal(s, 3)] / count : 0.0;
    }
}

void summarise(std::span<const ExampleScores> examples, CpoStepMetrics& metrics)
{
    if (examples.empty())
        return;
    const auto totals = scoreTotals(examples);
    summariseTotals(totals, metrics);
}

} // namespace cpo::train
