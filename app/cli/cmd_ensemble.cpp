#include "cli_common.h"
#include "hub_arguments.h"

#include "model/causal_lm.h"
#include "model/hf_folder.h"
#include "model/interpolate.h"
#include "util/error.h"
#include "util/log.h"

#include <array>
#include <cmath>
#include <filesystem>
#include <memory>
#include <system_error>

namespace cpo::cli {
namespace {

namespace fs = std::filesystem;

struct EnsembleOptions {
    CommonOptions common;
    std::string mle;
    std::string cpo;
    double alpha = 0.0;
    std::string out;
};

// Every tokenizer file format the tokenize/ loaders read, plus HF's special-token metadata:
// the ensemble shares the MLE model's vocabulary, so the folder stays self-contained.
constexpr std::array kTokenizerFiles{"tokenizer.json",          "tokenizer.model",
                                     "vocab.json",              "merges.txt",
                                     "encoder.json",            "vocab.bpe",
                                     "special_tokens_map.json", "tokenizer_config.json"};

// Writing into an input folder would replace the model.safetensors being read.
void requireDistinctOutput(const EnsembleOptions& options)
{
    std::error_code error;
    for (const auto& input : {options.mle, options.cpo})
        if (fs::equivalent(options.out, input, error))
            throw Error("--out " + options.out + " is the input folder " + input +
                        "; choose a new folder");
}

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

int runEnsemble(EnsembleOptions options)
{
    applyCommonOptions(options.common);
    options.mle = modelFolder(options.mle); // either may be hub:ORG/NAME[@REV]
    options.cpo = modelFolder(options.cpo);
    if (!std::isfinite(options.alpha))
        throw Error("--alpha must be a finite number");
    requireDistinctOutput(options);
    const auto mle = model::loadHfModel(options.mle);
    const auto cpo = model::loadHfModel(options.cpo);
    model::CausalLM ensemble;
    try {
        ensemble = model::interpolateModels(*mle, *cpo, options.alpha);
    } catch (const Error& e) {
        throw Error("--mle " + options.mle + ", --cpo " + options.cpo + ": " + e.what());
    }
    model::saveHfModel(*ensemble, options.out);
    const int tokenizerFiles = copyTokenizerFiles(options.mle, options.out);
    const auto params = model::countParameters(*ensemble);
    if (options.common.json) {
        printJson({{"out", options.out}, {"alpha", options.alpha}, {"params", params}});
    } else {
        log::get("cpo")->info("wrote the alpha {} ensemble ({} parameters, {} tokenizer files) "
                              "to {}",
                              options.alpha, params, tokenizerFiles, options.out);
    }
    return 0;
}

} // namespace

void addEnsembleCommand(CLI::App& app, Action& action)
{
    auto options = std::make_shared<EnsembleOptions>();
    auto* command = app.add_subcommand(
        "ensemble", "Write the weight-space ensemble alpha*MLE + (1-alpha)*CPO of two "
                    "checkpoints of one architecture as a Hugging Face folder (all four options "
                    "required), or evaluate a run's ensembles over a list of alpha: "
                    "`cpo ensemble sweep --run-dir DIR` (see `cpo ensemble sweep --help`)");
    // Required unless `sweep` is the command: checked in the callback below.
    const std::array required{
        command->add_option("--mle", options->mle, "Hugging Face folder of the MLE model, or "
                                                   "hub:ORG/NAME[@REV] (its tokenizer files are "
                                                   "copied too)"),
        command->add_option("--cpo", options->cpo, "Hugging Face folder of the CPO model"),
        command->add_option("--alpha", options->alpha,
                            "Weight of the MLE model: 1 gives it exactly, 0 the CPO model"),
        command->add_option("--out", options->out, "Folder to write the ensemble to")};
    addCommonOptions(*command, options->common);
    auto* sweep = addEnsembleSweepCommand(*command, action);
    command->callback([options, required, sweep, &action] {
        if (sweep->parsed())
            return; // the sweep set its own action
        for (const auto* option : required)
            if (option->count() == 0)
                throw CLI::RequiredError(option->get_name());
        action = [options] { return runEnsemble(*options); };
    });
}

} // namespace cpo::cli
