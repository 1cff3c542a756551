#include "engine/ensemble_writer.h"

#include "engine/alpha_sweep_session.h"
#include "model/causal_lm.h"
#include "model/hf_folder.h"
#include "model/interpolate.h"

#include <array>
#include <cmath>
#include <system_error>

namespace cpo::engine {
namespace {

namespace fs = std::filesystem;

// Every tokenizer file format the tokenize/ loaders read, plus HF's special-token metadata:
// the ensemble shares the MLE model's vocabulary, so the folder stays self-contained.
constexpr std::array kTokenizerFiles{"tokenizer.json",          "tokenizer.model",
                                     "vocab.json",              "merges.txt",
                                     "encoder.json",            "vocab.bpe",
                                     "special_tokens_map.json", "tokenizer_config.json"};

int copyTokenizerFiles(const fs::path& from, const fs::path& to)
{
    int copied = 0;
    for (const char* name : kTokenizerFiles) {
        if (!fs::is_regular_file(from / name))
            continue;
        fs::copy_file(from / name, to / name, fs::copy_options::overwrite_existing);
        ++copied;
    }
    return copied;
}

} // namespace

WrittenEnsemble writeEnsemble(const fs::path& mle, const fs::path& cpo, double alpha,
                              const fs::path& out)
{
    if (!std::isfinite(alpha))
        throw Error("the ensemble weight alpha must be a finite number");
    std::error_code error;
    for (const auto& input : {mle, cpo})
        if (fs::equivalent(out, input, error))
            throw EnsembleOutputError(out.string() + " is the input folder " + input.string() +
                                      "; choose a new folder");
    const auto mleModel = model::loadHfModel(mle);
    const auto cpoModel = model::loadHfModel(cpo);
    model::CausalLM ensemble;
    try {
        ensemble = model::interpolateModels(*mleModel, *cpoModel, alpha);
    } catch (const Error& e) {
        throw AlphaSweepModelsError(e.what());
    }
    model::saveHfModel(*ensemble, out);
    return {model::countParameters(*ensemble), copyTokenizerFiles(mle, out)};
}

} // namespace cpo::engine
