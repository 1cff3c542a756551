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
    // The file's fields as they are; the run decides the rest.
    train::CpoOptions options = static_cast<const train::CpoOptions&>(spec);
    options.evalExamples = config.mle ? config.mle->evalExamples : 0;
    options.seed = config.seed;
    options.eosId = *tokenizer.eosId();
    return options;
}

} // namespace cpo::engine
