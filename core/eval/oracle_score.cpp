#include "eval/oracle_score.h"

#include "eval/generate.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace cpo::eval {

OracleScore oracleScore(model::CausalLMImpl& model, const data::OracleTask& oracle,
                        std::span<const data::TokenizedExample> examples,
                        const OracleScoreOptions& options)
{
    GenerateOptions generation;
    generation.sampling = options.sampling;
    generation.maxNewTokens = oracle.options().continuationTokens;
    generation.eosId = oracle.eosId();

    const bool wasTraining = model.is_training();
    model.eval();
    OracleScore score;
    double logLikelihood = 0.0;
    std::int64_t wellFormed = 0;
    const std::size_t batchSize = std::max<std::size_t>(options.batchSize, 1);
    for (std::size_t begin = 0; begin < examples.size(); begin += batchSize) {
        const auto chunk = examples.subspan(begin, std::min(batchSize, examples.size() - begin));
        std::vector<std::vector<std::int32_t>> prompts;
        for (const auto& example : chunk)
            prompts.emplace_back(example.prefix.begin(), example.prefix.end());
        // Each chunk its own seed: a sample depends on the seed and its index only.
        generation.seed = options.seed + begin;
        const auto generated = generate(model, prompts, generation);
        std::vector<std::vector<tokenize::TokenId>> continuations;
        for (const auto& sequence : generated)
            continuations.emplace_back(sequence.tokens.begin(), sequence.tokens.end());
        const auto scores = oracle.logLikelihood(prompts, continuations);
        for (std::size_t i = 0; i < scores.size(); ++i) {
            ++score.samples;
            if (!std::isfinite(scores[i]))
                continue;
            ++wellFormed;
            logLikelihood += scores[i];
            score.tokens += static_cast<std::int64_t>(continuations[i].size());
        }
    }
    model.train(wasTraining);

    score.wellFormed = score.samples > 0 ? static_cast<double>(wellFormed) /
                                               static_cast<double>(score.samples)
                                         : 0.0;
    score.logLikelihoodPerToken = score.tokens > 0
                                      ? logLikelihood / static_cast<double>(score.tokens)
                                      : std::numeric_limits<double>::quiet_NaN();
    return score;
}

} // namespace cpo::eval
