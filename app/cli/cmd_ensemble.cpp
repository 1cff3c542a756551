#include "cli_common.h"
#include "hub_arguments.h"

#include "engine/alpha_sweep_session.h"
#include "engine/ensemble_writer.h"
#include "util/error.h"
#include "util/log.h"

#include <array>
#include <cmath>
#include <memory>
#include <string>

namespace cpo::cli {
namespace {

struct EnsembleOptions {
    CommonOptions common;
    std::string mle;
    std::string cpo;
    double alpha = 0.0;
    std::string out;
};

int runEnsemble(EnsembleOptions options)
{
    applyCommonOptions(options.common);
    options.mle = modelFolder(options.mle); // either may be hub:ORG/NAME[@REV]
    options.cpo = modelFolder(options.cpo);
    if (!std::isfinite(options.alpha))
        throw Error("--alpha must be a finite number");
    engine::WrittenEnsemble written;
    try {
        written = engine::writeEnsemble(options.mle, options.cpo, options.alpha, options.out);
    } catch (const engine::EnsembleOutputError& e) {
        throw Error("--out " + std::string(e.what()));
    } catch (const engine::AlphaSweepModelsError& e) {
        throw Error("--mle " + options.mle + ", --cpo " + options.cpo + ": " + e.what());
    }
    if (options.common.json) {
        printJson(
            {{"out", options.out}, {"alpha", options.alpha}, {"params", written.parameters}});
    } else {
        log::get("cpo")->info("wrote the alpha {} ensemble ({} parameters, {} tokenizer files) "
                              "to {}",
                              options.alpha, written.parameters, written.tokenizerFiles,
                              options.out);
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
