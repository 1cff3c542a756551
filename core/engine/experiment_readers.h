#pragma once

#include "engine/experiment.h"
#include "util/config_reader.h"

#include <optional>

// The readers of an experiment's top-level blocks, one file per group: model and tokenizer
// (model_reader.cpp), dataset (dataset_reader.cpp), the training phases (phase_reader.cpp).
// parseExperiment() (experiment_reader.cpp) calls them; each records problems and goes on.
namespace cpo::engine {

ModelSpec readModel(ObjectReader& root);
std::optional<TokenizerSpec> readTokenizer(ObjectReader& root);
DatasetSpec readDataset(ObjectReader& root);
train::MleOptions readMle(ObjectReader in);
CpoPhase readCpo(ObjectReader in);

} // namespace cpo::engine
