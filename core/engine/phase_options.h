#pragma once

#include "engine/experiment.h"
#include "model/model_config.h"
#include "tokenize/tokenizer.h"
#include "train/cpo/cpo_options.h"

// What the trainers receive from an experiment: the one place its CPO options are completed
// with what the run decides and its model.init becomes a model config. The run session
// calls these; the config-reach test checks that every field gets through.
namespace cpo::engine {

// The CPO phase's options: the experiment's cpo block, its seed, the tokenizer's EOS, and
// MLE's validation examples (the two phases' validation curves continue each other). Throws
// cpo::Error when the tokenizer has no EOS (TN negatives end with it).
train::CpoOptions cpoOptionsFor(const ExperimentConfig& config,
                                const tokenize::Tokenizer& tokenizer);

// A model trained from scratch: model.init with the tokenizer's vocabulary size and special
// tokens. Throws cpo::Error naming the field when the numbers cannot form a model.
model::ModelConfig modelConfigFor(const ModelInitSpec& spec,
                                  const tokenize::Tokenizer& tokenizer);

} // namespace cpo::engine
