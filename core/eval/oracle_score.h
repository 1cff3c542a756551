#pragma once

#include "data/examples.h"
#include "oracle/oracle_task.h"
#include "eval/sampling.h"
#include "model/causal_lm.h"

#include <cstddef>
#include <cstdint>
#include <span>

namespace cpo::eval {

struct OracleScoreOptions {
    // The same seed for every model compared (an α sweep) draws them on common random numbers.
    std::uint64_t seed = 0;
    SamplingOptions sampling; // default: the model's own distribution, temperature 1
    std::size_t batchSize = 64;
};

// How the oracle task's teacher judges a model's own continuations of the examples' prefixes.
struct OracleScore {
    // Σ log p*(y | x) / Σ |y| over the well-formed samples (symbols only): the teacher's mean
    // log-likelihood per token; higher is better, the teacher's own samples give −(its
    // entropy). NaN when no sample was well-formed.
    double logLikelihoodPerToken = 0.0;
    // Share of samples the teacher could have produced: no EOS (or non-symbol) before the
    // continuation's full length. The others have p* = 0 and are left out of the mean.
    double wellFormed = 0.0;
    std::int64_t samples = 0;
    std::int64_t tokens = 0; // continuation tokens the mean is over
};

// Samples one continuation per example prefix from `model` (continuationTokens of the task at
// most, stopping at EOS; KV cache, batched) and scores it with the teacher's exact
// log-likelihood. Deterministic for a seed. Leaves the model in the mode it was in.
OracleScore oracleScore(model::CausalLMImpl& model, const data::OracleTask& oracle,
                        std::span<const data::TokenizedExample> examples,
                        const OracleScoreOptions& options = {});

} // namespace cpo::eval
