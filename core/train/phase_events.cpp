#include "train/phase_events.h"

namespace cpo::train {

namespace negatives {

std::string_view toString(Strategy strategy)
{
    switch (strategy) {
    case Strategy::An: return "an";
    case Strategy::Bn: return "bn";
    case Strategy::Mn: return "mn";
    case Strategy::Tn: return "tn";
    }
    return "unknown";
}

} // namespace negatives

std::string_view toString(PhaseOutcome outcome)
{
    switch (outcome) {
    case PhaseOutcome::Finished: return "finished";
    case PhaseOutcome::Stopped: return "stopped";
    case PhaseOutcome::Failed: return "failed";
    case PhaseOutcome::Cancelled: return "cancelled";
    }
    return "unknown";
}

namespace {

constexpr std::array<CpoMetricField, 17> kCpoMetricFields{{
    {"loss", &CpoStepMetrics::loss},
    {"contrastive_loss", &CpoStepMetrics::contrastiveLoss},
    {"nll", &CpoStepMetrics::nll},
    {"reward_y1", &CpoStepMetrics::rewardGroundTruth},
    {"reward_negatives", &CpoStepMetrics::rewardNegatives},
    {"margin", &CpoStepMetrics::margin},
    {"accuracy", &CpoStepMetrics::accuracy},
    {"kendall_tau", &CpoStepMetrics::kendallTau},
    {"spearman_rho", &CpoStepMetrics::spearmanRho},
    {"logp_theta_y1", &CpoStepMetrics::policyLogProbGroundTruth},
    {"logp_ref_y1", &CpoStepMetrics::referenceLogProbGroundTruth},
    {"logp_theta_negatives", &CpoStepMetrics::policyLogProbNegatives},
    {"logp_ref_negatives", &CpoStepMetrics::referenceLogProbNegatives},
    // The mean per-token log-ratio log π_θ − log π_ref on y1: it can be negative, so it is
    // not a KL (was "kl_y1"; a real KL estimate comes with evaluations, `kl_to_mle`).
    {"logratio_y1", &CpoStepMetrics::klGroundTruth},
    {"grad_norm", &CpoStepMetrics::gradNorm},
    {"lr", &CpoStepMetrics::lr},
    {"tokens_per_s", &CpoStepMetrics::tokensPerSecond},
}};

} // namespace

std::span<const CpoMetricField> cpoMetricFields()
{
    return kCpoMetricFields;
}

std::vector<std::pair<std::string_view, double>> namedValues(const CpoStepMetrics& metrics)
{
    std::vector<std::pair<std::string_view, double>> values;
    values.reserve(kCpoMetricFields.size());
    for (const auto& field : kCpoMetricFields)
        values.emplace_back(field.name, metrics.*field.member);
    return values;
}

std::string_view toString(HealthKind kind)
{
    switch (kind) {
    case HealthKind::NonFiniteLoss: return "non_finite_loss";
    case HealthKind::OverOptimisation: return "over_optimisation";
    case HealthKind::Saturated: return "saturated";
    }
    return "unknown";
}

} // namespace cpo::train
