#pragma once

#include "util/error.h"

#include <cstdint>
#include <filesystem>

// `cpo ensemble`: one weight-space ensemble of two checkpoints written as a model folder.
namespace cpo::engine {

// `out` is one of the input folders (writing would replace the weights being read).
class EnsembleOutputError : public Error {
public:
    using Error::Error;
};

struct WrittenEnsemble {
    std::int64_t parameters = 0;
    int tokenizerFiles = 0; // copied from the MLE folder
};

// Writes α·θ_MLE + (1 − α)·θ_CPO into `out` as a Hugging Face folder with the MLE model's
// tokenizer files, so it loads on its own. Throws EnsembleOutputError when `out` is an input
// folder, AlphaSweepModelsError (alpha_sweep_session.h) when the models cannot be
// interpolated (what() is the reason alone: the caller names the models), cpo::Error for a
// non-finite α and the rest.
WrittenEnsemble writeEnsemble(const std::filesystem::path& mle, const std::filesystem::path& cpo,
                              double alpha, const std::filesystem::path& out);

} // namespace cpo::engine
