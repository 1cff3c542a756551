#include "eval/kl_estimate.h"

#include "eval/eval_generation.h"
#include "eval/sequence_scores.h"

#include <cmath>
#include <optional>
#include <vector>

namespace cpo::eval {

KlEstimate klEstimate(model::CausalLMImpl& policy, model::CausalLMImpl& reference,
                      std::span<const data::TokenizedExample> examples, std::uint64_t seed,
                      std::int64_t maxNewTokens, std::size_t batchSize)
{
    Decoding own; // the policy's own distribution: what the expectation is over
    own.sampling = {1.0, 0, 1.0};
    own.seed = seed;
    own.maxNewTokens = maxNewTokens;
    own.batchSize = batchSize;
    const auto eos = policy.config().eosTokenId;
    const auto samples = generateContinuations(
        policy, examples, own, eos ? std::optional<std::int64_t>(*eos) : std::nullopt);
    std::vector<std::vector<std::int32_t>> prompts, continuations;
    for (std::size_t i = 0; i < examples.size(); ++i) {
        prompts.push_back(examples[i].prefix);
        continuations.push_back(samples[i].tokens);
    }
    const auto referenceScores =
        continuationLogLikelihoods(reference, prompts, continuations, batchSize);
    KlEstimate estimate;
    double sum = 0.0, squares = 0.0;
    for (std::size_t i = 0; i < samples.size(); ++i) {
        double policyScore = 0.0;
        for (const float logProb : samples[i].logProbs)
            policyScore += logProb;
        const double ratio = policyScore - referenceScores[i];
        if (!std::isfinite(ratio))
            continue;
        sum += ratio;
        squares += ratio * ratio;
        ++estimate.samples;
    }
    if (estimate.samples == 0)
        return estimate;
    const double n = static_cast<double>(estimate.samples);
    estimate.mean = sum / n;
    const double variance = n > 1 ? std::max(0.0, (squares - n * estimate.mean * estimate.mean)
                                                      / (n - 1))
                                  : 0.0;
    estimate.standardError = std::sqrt(variance / n);
    return estimate;
}

} // namespace cpo::eval
