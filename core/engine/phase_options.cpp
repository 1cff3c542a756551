#include "engine/phase_options.h"

#include "util/error.h"

namespace cpo::engine {

model::ModelConfig modelConfigFor(const ModelInitSpec& spec,
                                  const tokenize::Tokenizer& tokenizer)
{
    model::ModelConfig config;
    config.arch = spec.arch;
    config.vocabSize = tokenizer.vocabSize();
    config.hiddenSize = spec.hiddenSize;
    config.numLayers = spec.numLayers;
    config.numHeads = spec.numHeads;
    config.numKeyValueHeads = spec.numKeyValueHeads;
    config.intermediateSize = spec.intermediateSize;
    config.maxPositions = spec.maxPositions;
    config.ropeTheta = spec.ropeTheta;
    config.tieWordEmbeddings = spec.tieWordEmbeddings;
    if (const auto eos = tokenizer.eosId())
        config.eosTokenId = *eos;
    if (const auto bos = tokenizer.bosId())
        config.bosTokenId = *bos;
    config.validate();
    return config;
}

train::CpoOptions cpoOptionsFor(const ExperimentConfig& config,
                                const tokenize::Tokenizer& tokenizer)
{
    const auto& spec = config.cpo.value();
    if (!tokenizer.eosId())
        throw Error("the CPO phase needs a tokenizer with an end-of-sequence token "
                    "(TN negatives end with it)");
    train::CpoOptions options;
    options.steps = spec.steps;
    options.batchSize = spec.batchSize;
    options.gradAccumulation = spec.gradAccumulation;
    options.optimizer = spec.optimizer;
    options.k = spec.k;
    options.beta = spec.beta;
    options.lambdaMle = spec.lambdaMle;
    options.sampler.kind = spec.sampler;
    options.sampler.mixWeights = {spec.mixWeights.an, spec.mixWeights.bn, spec.mixWeights.mn,
                                  spec.mixWeights.tn};
    options.sampler.mixStratified = spec.mixStratified;
    options.sampler.mnFraction = spec.mnFraction;
    options.sampler.an.sampling = {spec.an.temperature, spec.an.topK, spec.an.topP};
    options.sampler.an.maxNewTokens = spec.an.maxNewTokens;
    options.ranking = spec.ranking;
    options.metricsEvery = spec.metricsEvery;
    options.samplesEvery = spec.samplesEvery;
    options.checkpointEvery = spec.checkpointEvery;
    options.evalEvery = spec.evalEvery;
    options.evalExamples = config.mle ? config.mle->evalExamples : 0;
    options.seed = config.seed;
    options.eosId = *tokenizer.eosId();
    return options;
}

} // namespace cpo::engine
