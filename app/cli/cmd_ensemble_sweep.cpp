// `cpo ensemble sweep`: the in-memory α sweep of a finished run's weight-space ensemble.

#include "cli_common.h"
#include "device_option.h"
#include "hub_arguments.h"
#include "progress.h"
#include "store_options.h"
#include "number_checks.h"

#include "engine/alpha_sweep_json.h"
#include "engine/alpha_sweep_models.h"
#include "engine/alpha_sweep_session.h"
#include "sweep/alpha_sweep.h"
#include "util/error.h"
#include "util/log.h"

#include <spdlog/fmt/fmt.h>

#include <cmath>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace cpo::cli {
namespace {

struct SweepOptions {
    CommonOptions common;
    std::string runDir;
    std::string alphas = "0,0.1,0.3,0.5,0.7,0.9,1";
    std::string split = "validation";
    std::int64_t examples = 0;
    std::string mle;
    std::string cpo;
    std::string device;
    std::int64_t batchSize = 32;
    std::optional<std::uint64_t> seed;
    bool noOracle = false;
    std::string judge; // a judge config: win rates against the ground truth per alpha
    std::string db;
};

std::string number(double value, int digits)
{
    return std::isfinite(value) ? fmt::format("{:.{}f}", value, digits) : std::string("n/a");
}

void printTable(const engine::AlphaSweepResult& result)
{
    const auto& points = result.points;
    const bool withOracle = result.withOracle;
    const bool judged = result.bestPoint.has_value();
    std::string header = fmt::format("{:>8}  {:>10}  {:>11}", "alpha", "nll", "perplexity");
    if (withOracle)
        header += fmt::format("  {:>12}  {:>11}", "oracle_logp", "well_formed");
    if (judged)
        header += fmt::format("  {:>8}  {:>17}", "win_rate", "95% interval");
    std::cout << header << '\n';
    for (const auto& point : points) {
        const auto& held = point.heldOut;
        std::string line = fmt::format("{:>8}  {:>10}  {:>11}", number(point.alpha, 3),
                                       number(held ? held->loss : NAN, 4),
                                       number(held ? held->perplexity : NAN, 3));
        if (withOracle) {
            const auto& oracle = point.oracle;
            line += fmt::format("  {:>12}  {:>11}",
                                number(oracle ? oracle->logLikelihoodPerToken : NAN, 4),
                                number(oracle ? oracle->wellFormed : NAN, 3));
        }
        if (const auto& rate = point.winRate) {
            const auto index = static_cast<std::size_t>(&point - points.data());
            line += fmt::format("  {:>8.3f}  [{:>6.3f}, {:>6.3f}]{}", rate->rate, rate->ciLow,
                                rate->ciHigh, index == result.bestPoint ? "  best" : "");
        }
        std::cout << line << '\n';
    }
    std::cout.flush();
}

int runSweep(const SweepOptions& options)
{
    applyCommonOptions(options.common);
    requireDevice(options.device);
    auto logger = log::get("cpo");
    engine::AlphaSweepRequest request;
    request.alphas = sweep::parseAlphaList(options.alphas);
    request.runDir = options.runDir;
    const auto config = engine::loadRunExperiment(request.runDir);
    // θ_MLE: the MLE phase's last checkpoint; a run without one started from model.path.
    request.mleModel = engine::sweepModel(request.runDir, config, "mle", options.mle, "--mle",
                                          downloadProgressBars());
    request.cpoModel = engine::sweepModel(request.runDir, config, "cpo", options.cpo, "--cpo");
    request.testSplit = options.split == "test";
    request.examples = options.examples;
    request.device = options.device;
    request.batchSize = options.batchSize;
    request.seed = options.seed;
    request.oracle = !options.noOracle;
    request.experimentThreads = options.common.threads == 0; // --threads wins
    if (!options.judge.empty()) {
        request.judgeFile = options.judge;
        request.db = storePath(options.db);
    }

    Progress progress("alpha sweep", static_cast<std::int64_t>(request.alphas.size()));
    engine::AlphaSweepResult result;
    try {
        result = engine::runAlphaSweep(
            request,
            [&](std::size_t done, std::size_t, const engine::AlphaPoint& point) {
                progress.update(static_cast<std::int64_t>(done),
                                fmt::format("alpha {} nll {}", point.alpha,
                                            number(point.heldOut->loss, 4)));
            },
            [&](const std::string& text) { logger->info("{}", text); });
    } catch (const engine::AlphaSweepModelsError& e) {
        throw Error(fmt::format("--mle {}, --cpo {}: {}", request.mleModel.string(),
                                request.cpoModel.string(), e.what()));
    }
    progress.finish(fmt::format("{} alphas", result.points.size()));
    // Said after the sweep, so that an error stays the one line on stderr.
    logger->info("MLE {}, CPO {}; {} of the {} {} examples{}, on {}",
                 request.mleModel.string(), request.cpoModel.string(), result.examples,
                 result.available, options.split,
                 result.withOracle ? ", samples scored by the oracle teacher" : "",
                 result.device);

    if (options.common.json) {
        printJson(engine::alphaSweepJson(request, result));
    } else {
        printTable(result);
    }
    return 0;
}

} // namespace

CLI::App* addEnsembleSweepCommand(CLI::App& ensemble, Action& action)
{
    auto options = std::make_shared<SweepOptions>();
    auto* command = ensemble.add_subcommand(
        "sweep", "Evaluate alpha*MLE + (1-alpha)*CPO of a finished run for a list of alpha, in "
                 "memory: held-out NLL per token, perplexity and, on the oracle task, the "
                 "teacher's log-likelihood per token of each model's samples");
    command->add_option("--run-dir", options->runDir,
                        "Folder a `cpo run` wrote (experiment.json, mle/, cpo/)")
        ->required();
    command->add_option("--alphas", options->alphas,
                        "Comma-separated weights of the MLE model (1: MLE, 0: CPO)")
        ->capture_default_str();
    command->add_option("--split", options->split, "Held-out examples to evaluate on")
        ->check(CLI::IsMember({"validation", "test"}))
        ->capture_default_str();
    command->add_option("--examples", options->examples,
                        "Evaluate on the first N examples of the split (0: all)")
        ->check(nonNegativeNumber());
    command->add_option("--mle", options->mle,
                        "MLE model folder (default: the run's last mle/step-* checkpoint)");
    command->add_option("--cpo", options->cpo,
                        "CPO model folder (default: the run's last cpo/step-* checkpoint)");
    addDeviceOption(*command, options->device, "the run's experiment's");
    command->add_option("--batch-size", options->batchSize, "Examples per forward pass")
        ->check(positiveNumber())
        ->capture_default_str();
    command->add_option("--seed", options->seed,
                        "Seed of the oracle samples, the same for every alpha (default: the "
                        "experiment's)");
    command->add_flag("--no-oracle", options->noOracle,
                      "Skip sampling and the oracle teacher's score on the oracle task");
    command->add_option("--judge", options->judge,
                        "Judge config: also each alpha's win rate against the ground truth "
                        "(greedy continuations), stored with the run when --db knows it")
        ->check(CLI::ExistingFile);
    addDbOption(*command, options->db);
    addCommonOptions(*command, options->common);
    command->callback([options, &action] { action = [options] { return runSweep(*options); }; });
    return command;
}

} // namespace cpo::cli
