#pragma once

#include "oracle/oracle_task.h"
#include "model/causal_lm.h"

#include <torch/torch.h>

#include <cstdint>

// The oracle task shrunk for tests, shared by the suites that train on it.
namespace cpo::test {

// 24 symbols, prompts of 6 and continuations of 8, a 16-wide two-head teacher: small enough
// that a suite trains on it in seconds on one thread.
inline data::OracleOptions tinyOracleOptions(std::uint64_t seed, std::int64_t trainExamples,
                                             std::int64_t validationExamples,
                                             std::int64_t testExamples)
{
    data::OracleOptions o;
    o.seed = seed;
    o.symbols = 24;
    o.prefixTokens = 6;
    o.continuationTokens = 8;
    o.teacherHidden = 16;
    o.teacherHeads = 2;
    o.trainExamples = trainExamples;
    o.validationExamples = validationExamples;
    o.testExamples = testExamples;
    return o;
}

// A GPT-2 student for `oracle`: its symbols plus EOS, positions for a whole example, two heads,
// initialised from torch's generator seeded with `seed`.
inline model::CausalLM oracleStudent(const data::OracleOptions& oracle, std::uint64_t seed,
                                     std::int64_t hidden, std::int64_t layers,
                                     std::int64_t intermediate)
{
    model::ModelConfig c;
    c.arch = model::Architecture::Gpt2;
    c.vocabSize = oracle.symbols + 1;
    c.hiddenSize = hidden;
    c.numLayers = layers;
    c.numHeads = 2;
    c.numKeyValueHeads = 2;
    c.intermediateSize = intermediate;
    c.maxPositions = oracle.prefixTokens + oracle.continuationTokens + 1;
    c.eosTokenId = oracle.symbols;
    torch::manual_seed(seed);
    return model::createModel(c);
}

} // namespace cpo::test
