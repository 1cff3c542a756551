#pragma once

#include "train/negatives/strategy.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// What the training phases report while they run: plain values, free of LibTorch, safe to
// queue to another thread and to include from any view.
namespace cpo::train {

// What the MLE phase reports while it runs; plain values, safe to queue to another thread.
struct StepMetrics {
    std::int64_t step = 0;          // optimizer steps completed, this one included
    double loss = 0.0;              // mean NLL per continuation token of the step's batches
    double lr = 0.0;                // the learning rate this step used
    double gradNorm = 0.0;          // global L2 norm before clipping
    double tokensPerSecond = 0.0;   // real (unpadded) tokens through the model per second
    double stepSeconds = 0.0;
    double elapsedSeconds = 0.0;    // since run() began
    // The CUDA caching allocator's peak during the step, GiB (weights and optimizer state
    // included; this rank's own in a data-parallel run); absent off CUDA.
    std::optional<double> cudaPeakMemGb = std::nullopt;

    friend bool operator==(const StepMetrics&, const StepMetrics&) = default;
};

struct ValidationMetrics {
    std::int64_t step = 0;
    double loss = 0.0;              // mean NLL per continuation token (EOS included)
    double perplexity = 0.0;        // exp(loss)
    std::int64_t tokens = 0;        // continuation tokens scored

    friend bool operator==(const ValidationMetrics&, const ValidationMetrics&) = default;
};

struct CheckpointSaved {
    std::int64_t step = 0;
    std::filesystem::path path;

    friend bool operator==(const CheckpointSaved&, const CheckpointSaved&) = default;
};

enum class PhaseOutcome { Finished, Stopped, Failed, Cancelled };
// "finished" | "stopped" | "failed" | "cancelled"
std::string_view toString(PhaseOutcome outcome);

// One strategy's negatives in one step. Means are over that strategy's negatives (0 when
// there were none).
struct StrategyMetrics {
    std::int64_t negatives = 0;
    std::int64_t redraws = 0;        // candidates rejected because they equalled y1
    double reward = 0.0;             // mean β·h
    double policyLogProb = 0.0;      // mean Σ log π_θ over the sequence
    double referenceLogProb = 0.0;   // mean Σ log π_ref over the sequence

    friend bool operator==(const StrategyMetrics&, const StrategyMetrics&) = default;
};

// What one CPO step reports; plain values, safe to queue to another thread. Means are over
// the step's examples unless said otherwise.
struct CpoStepMetrics {
    std::int64_t step = 0;                // optimizer steps completed, this one included
    double loss = 0.0;                    // contrastive + λ·NLL
    double contrastiveLoss = 0.0;
    double nll = 0.0;                     // y1's NLL per token under π_θ
    double rewardGroundTruth = 0.0;       // mean β·h(y1)
    double rewardNegatives = 0.0;         // mean β·h over all negatives
    double margin = 0.0;                  // mean of β·h(y1) − max over the negatives
    double accuracy = 0.0;                // share of examples where y1 has the highest reward
    double kendallTau = 0.0;              // reward order vs target order, mean over examples
    double spearmanRho = 0.0;
    double policyLogProbGroundTruth = 0.0;    // mean Σ log π_θ(y1)
    double referenceLogProbGroundTruth = 0.0; // mean Σ log π_ref(y1)
    double policyLogProbNegatives = 0.0;
    double referenceLogProbNegatives = 0.0;
    double klGroundTruth = 0.0;           // mean over y1 tokens of log π_θ − log π_ref
    std::array<StrategyMetrics, negatives::kStrategyCount> strategies; // by Strategy
    double gradNorm = 0.0;                // global L2 norm before clipping
    double lr = 0.0;
    double tokensPerSecond = 0.0;         // real tokens through π_θ (prompts once) per second
    double stepSeconds = 0.0;
    double elapsedSeconds = 0.0;          // since run() began
    std::optional<double> cudaPeakMemGb = std::nullopt; // as StepMetrics'

    friend bool operator==(const CpoStepMetrics&, const CpoStepMetrics&) = default;
};

// The scalar metrics of a step by name ("loss", "accuracy", "logratio_y1", ...), in one fixed order:
// the run store's series keys and the event stream's fields both come from here.
std::vector<std::pair<std::string_view, double>> namedValues(const CpoStepMetrics& metrics);

// The same names with the member each one reads, for code that fills a CpoStepMetrics from
// them (the event codec).
struct CpoMetricField {
    std::string_view name;
    double CpoStepMetrics::*member;
};
std::span<const CpoMetricField> cpoMetricFields();

// One candidate of a sample set, as token ids (the caller decodes them).
struct SampleCandidate {
    negatives::Tokens tokens;
    std::optional<negatives::Strategy> strategy; // empty for the ground truth
    std::vector<float> policyLogProbs;           // per token, log π_θ
    std::vector<float> referenceLogProbs;        // per token, log π_ref
    double reward = 0.0;                         // β·h
    double similarity = 1.0;                     // cosine similarity to y1's embedding
    std::int64_t rank = 0;                       // place in the target order, y1 = 0

    friend bool operator==(const SampleCandidate&, const SampleCandidate&) = default;
};

// The first example of a step's batch, every samplesEvery steps.
struct SampleSet {
    std::int64_t step = 0;
    negatives::Tokens prompt;
    std::vector<SampleCandidate> candidates; // y1 first, then the negatives

    friend bool operator==(const SampleSet&, const SampleSet&) = default;
};

enum class HealthKind { NonFiniteLoss, OverOptimisation, Saturated };
std::string_view toString(HealthKind kind); // "non_finite_loss" | "over_optimisation" | ...

struct HealthAlert {
    std::int64_t step = 0;
    HealthKind kind = HealthKind::NonFiniteLoss;
    std::string message; // for the user, with what to do

    friend bool operator==(const HealthAlert&, const HealthAlert&) = default;
};

} // namespace cpo::train
