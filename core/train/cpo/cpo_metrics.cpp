#include "train/cpo/cpo_metrics.h"

#include "eval/correlation.h"

#include <algorithm>
#include <array>

namespace cpo::train {

void summarise(std::span<const ExampleScores> examples, CpoStepMetrics& metrics)
{
    if (examples.empty())
        return;
    const auto n = static_cast<double>(examples.size());
    double negatives = 0.0;
    double groundTruthTokens = 0.0;
    double groundTruthGap = 0.0;
    std::array<double, negatives::kStrategyCount> count{};
    for (auto& s : metrics.strategies)
        s.reward = s.policyLogProb = s.referenceLogProb = 0.0;
    metrics.rewardGroundTruth = metrics.rewardNegatives = metrics.margin = 0.0;
    metrics.accuracy = metrics.kendallTau = metrics.spearmanRho = 0.0;
    metrics.policyLogProbGroundTruth = metrics.referenceLogProbGroundTruth = 0.0;
    metrics.policyLogProbNegatives = metrics.referenceLogProbNegatives = 0.0;

    for (const auto& e : examples) {
        metrics.rewardGroundTruth += e.rewards[0];
        metrics.policyLogProbGroundTruth += e.policy[0];
        metrics.referenceLogProbGroundTruth += e.reference[0];
        groundTruthGap += e.policy[0] - e.reference[0];
        groundTruthTokens += static_cast<double>(e.groundTruthTokens);
        const double best = *std::max_element(e.rewards.begin() + 1, e.rewards.end());
        metrics.margin += e.rewards[0] - best;
        metrics.accuracy += e.rewards[0] > best ? 1.0 : 0.0;
        std::vector<double> target(e.targetRank.size());
        for (std::size_t k = 0; k < target.size(); ++k)
            target[k] = -static_cast<double>(e.targetRank[k]); // higher = should score higher
        metrics.kendallTau += eval::kendallTau(e.rewards, target);
        metrics.spearmanRho += eval::spearmanRho(e.rewards, target);
        for (std::size_t k = 1; k < e.rewards.size(); ++k) {
            negatives += 1.0;
            metrics.rewardNegatives += e.rewards[k];
            metrics.policyLogProbNegatives += e.policy[k];
            metrics.referenceLogProbNegatives += e.reference[k];
            const auto s = static_cast<std::size_t>(*e.strategies[k]);
            count[s] += 1.0;
            metrics.strategies[s].reward += e.rewards[k];
            metrics.strategies[s].policyLogProb += e.policy[k];
            metrics.strategies[s].referenceLogProb += e.reference[k];
        }
    }
    for (double* mean : {&metrics.rewardGroundTruth, &metrics.policyLogProbGroundTruth,
                         &metrics.referenceLogProbGroundTruth, &metrics.margin,
                         &metrics.accuracy, &metrics.kendallTau, &metrics.spearmanRho})
        *mean /= n;
    if (negatives > 0.0)
        for (double* mean : {&metrics.rewardNegatives, &metrics.policyLogProbNegatives,
                             &metrics.referenceLogProbNegatives})
            *mean /= negatives;
    metrics.klGroundTruth = groundTruthTokens > 0.0 ? groundTruthGap / groundTruthTokens : 0.0;
    for (std::size_t s = 0; s < negatives::kStrategyCount; ++s) {
        auto& strategy = metrics.strategies[s];
        strategy.negatives = static_cast<std::int64_t>(count[s]);
        if (count[s] > 0.0) {
            strategy.reward /= count[s];
            strategy.policyLogProb /= count[s];
            strategy.referenceLogProb /= count[s];
        }
    }
}

std::vector<std::pair<std::string_view, double>> namedValues(const CpoStepMetrics& e)
{
    return {{"loss", e.loss},
            {"contrastive_loss", e.contrastiveLoss},
            {"nll", e.nll},
            {"reward_y1", e.rewardGroundTruth},
            {"reward_negatives", e.rewardNegatives},
            {"margin", e.margin},
            {"accuracy", e.accuracy},
            {"kendall_tau", e.kendallTau},
            {"spearman_rho", e.spearmanRho},
            {"logp_theta_y1", e.policyLogProbGroundTruth},
            {"logp_ref_y1", e.referenceLogProbGroundTruth},
            {"logp_theta_negatives", e.policyLogProbNegatives},
            {"logp_ref_negatives", e.referenceLogProbNegatives},
            // The mean per-token log-ratio log π_θ − log π_ref on y1: it can be negative, so it
            // is not a KL (was "kl_y1"; a real KL estimate comes with evaluations).
            {"logratio_y1", e.klGroundTruth},
            {"grad_norm", e.gradNorm},
            {"lr", e.lr},
            {"tokens_per_s", e.tokensPerSecond}};
}

} // namespace cpo::train
