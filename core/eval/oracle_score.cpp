#include "eval/oracle_score.h"

#include "eval/eval_generation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace cpo::eval {

OracleScore oracleScore(model::CausalLMImpl& model, const data::OracleTask& oracle,
                        std::span<const data::TokenizedExample> examples,
                        const OracleScoreOptions& options)
{
    Decoding decoding;
    decoding.sampling = options.sampling;
    decoding.maxNewTokens = oracle.options().continuationTokens;
    decoding.seed = options.seed;
    decoding.batchSize = options.batchSize;
    const auto generated = generateContinuations(model, examples, decoding, oracle.eosId());

    std::vector<std::vector<tokenize::TokenId>> prompts, continuations;
    for (std::size_t i = 0; i < examples.size(); ++i) {
        prompts.push_back(examples[i].prefix);
        continuations.emplace_back(generated[i].tokens.begin(), generated[i].tokens.end());
    }
    OracleScore score;
    double logLikelihood = 0.0;
    std::int64_t wellFormed = 0;
    const auto scores = oracle.logLikelihood(prompts, continuations);
    for (std::size_t i = 0; i < scores.size(); ++i) {
        ++score.samples;
        if (!std::isfinite(scores[i]))
            continue;
        ++wellFormed;
        logLikelihood += scores[i];
        score.tokens += static_cast<std::int64_t>(continuations[i].size());
    }

    score.wellFormed = score.samples > 0 ? static_cast<double>(wellFormed) /
                                               static_cast<double>(score.samples)
                                         : 0.0;
    score.logLikelihoodPerToken = score.tokens > 0
                                      ? logLikelihood / static_cast<double>(score.tokens)
                                      : std::numeric_limits<double>::quiet_NaN();
    return score;
}

} // namespace cpo::eval
