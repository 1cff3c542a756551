// `cpo ensemble sweep`: the in-memory α sweep of a finished run's weight-space ensemble.

#include "cli_common.h"
#include "progress.h"
#include "store_options.h"

#include "engine/evaluation_session.h"
#include "engine/experiment.h"
#include "engine/prepared_data.h"
#include "eval/alpha_sweep.h"
#include "model/device.h"
#include "model/hf_folder.h"
#include "train/checkpoint.h"
#include "util/blas_threads.h"
#include "util/error.h"
#include "util/log.h"

#include <spdlog/fmt/fmt.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace cpo::cli {
namespace {

namespace fs = std::filesystem;

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

// The checkpoint a phase of the run ended with (the highest step), or what stands in for it.
fs::path phaseCheckpoint(const fs::path& runDir, const char* phase, const std::string& flag,
                         const std::string& fallback)
{
    if (const auto latest = train::latestCheckpoint(runDir / phase))
        return *latest;
    if (!fallback.empty())
        return fallback;
    throw Error(fmt::format("{} holds no {} checkpoint (step-XXXXXXXX with {}): did the run's "
                            "{} phase run? Name the checkpoint with {} DIR",
                            (runDir / phase).string(), phase, train::kTrainingStateFile, phase,
                            flag));
}

fs::path requireModelFolder(const std::string& folder, const char* flag)
{
    if (!fs::is_regular_file(fs::path(folder) / "config.json"))
        throw Error(fmt::format("{} {}: no model there (config.json is missing)", flag, folder));
    return folder;
}

// --split is checked against {validation, test} when parsed.
data::Split parseSplit(const std::string& name)
{
    return name == "test" ? data::Split::Test : data::Split::Validation;
}

std::string number(double value, int digits)
{
    return std::isfinite(value) ? fmt::format("{:.{}f}", value, digits) : std::string("n/a");
}

nlohmann::json finiteOrNull(double value)
{
    return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

nlohmann::json pointJson(const eval::SweepPoint& point, const engine::ModelEvaluation* judged)
{
    nlohmann::json json{{"alpha", point.alpha}, {"seconds", point.seconds}};
    if (judged != nullptr) {
        json["win_rate"] = judged->winRate.rate;
        json["ci_low"] = judged->winRate.ciLow;
        json["ci_high"] = judged->winRate.ciHigh;
        json["n"] = judged->winRate.n;
        json["lc_win_rate"] = judged->lengthControlled;
        json["failures"] = judged->failures;
    }
    if (const auto& held = point.scores.heldOut) {
        json["nll"] = finiteOrNull(held->loss);
        json["perplexity"] = finiteOrNull(held->perplexity);
        json["tokens"] = held->tokens;
    }
    if (const auto& oracle = point.scores.oracle) {
        json["oracle_logp"] = finiteOrNull(oracle->logLikelihoodPerToken);
        json["oracle_well_formed"] = oracle->wellFormed;
        json["oracle_samples"] = oracle->samples;
    }
    return json;
}

void printTable(const std::vector<eval::SweepPoint>& points, bool withOracle,
                const std::vector<engine::ModelEvaluation>& judged)
{
    std::string header = fmt::format("{:>8}  {:>10}  {:>11}", "alpha", "nll", "perplexity");
    if (withOracle)
        header += fmt::format("  {:>12}  {:>11}", "oracle_logp", "well_formed");
    if (!judged.empty())
        header += fmt::format("  {:>8}  {:>17}", "win_rate", "95% interval");
    const std::size_t best = judged.empty() ? 0 : engine::bestAlpha(judged);
    std::cout << header << '\n';
    for (const auto& point : points) {
        const auto& held = point.scores.heldOut;
        std::string line = fmt::format("{:>8}  {:>10}  {:>11}", number(point.alpha, 3),
                                       number(held ? held->loss : NAN, 4),
                                       number(held ? held->perplexity : NAN, 3));
        if (withOracle) {
            const auto& oracle = point.scores.oracle;
            line += fmt::format("  {:>12}  {:>11}",
                                number(oracle ? oracle->logLikelihoodPerToken : NAN, 4),
                                number(oracle ? oracle->wellFormed : NAN, 3));
        }
        if (!judged.empty()) {
            const auto index = static_cast<std::size_t>(&point - points.data());
            const auto& rate = judged[index].winRate;
            line += fmt::format("  {:>8.3f}  [{:>6.3f}, {:>6.3f}]{}", rate.rate, rate.ciLow,
                                rate.ciHigh, index == best ? "  best" : "");
        }
        std::cout << line << '\n';
    }
    std::cout.flush();
}

int runSweep(const SweepOptions& options)
{
    applyCommonOptions(options.common);
    auto logger = log::get("cpo");
    const auto alphas = eval::parseAlphaList(options.alphas);
    const fs::path runDir = options.runDir;
    const fs::path experimentFile = runDir / "experiment.json";
    if (!fs::is_regular_file(experimentFile))
        throw Error(fmt::format("--run-dir {}: no experiment.json there; point it at a folder "
                                "`cpo run` wrote",
                                options.runDir));
    const auto config = engine::loadExperiment(experimentFile);
    if (options.common.threads == 0 && config.threads > 0) {
        torch::set_num_threads(static_cast<int>(config.threads));
        setBlasThreads(static_cast<int>(config.threads));
    }

    // θ_MLE: the MLE phase's last checkpoint; a run without one started from model.path.
    const auto mleFolder =
        options.mle.empty()
            ? phaseCheckpoint(runDir, "mle", "--mle", config.mle ? "" : config.model.path)
            : requireModelFolder(options.mle, "--mle");
    const auto cpoFolder = options.cpo.empty() ? phaseCheckpoint(runDir, "cpo", "--cpo", "")
                                               : requireModelFolder(options.cpo, "--cpo");
    const auto device =
        model::parseDevice(options.device.empty() ? config.device : options.device);
    const auto mle = model::loadHfModel(mleFolder, device);
    const auto cpo = model::loadHfModel(cpoFolder, device);

    const auto split = parseSplit(options.split);
    auto data = engine::prepareSplit(config, runDir, split, [&](const std::string& text) {
        logger->info("{}", text);
    });
    auto& all = split == data::Split::Validation ? data.validation : data.test;
    if (all.empty())
        throw Error(fmt::format("the run's {} split is empty: nothing to evaluate on (try "
                                "--split {})",
                                options.split,
                                split == data::Split::Test ? "validation" : "test"));
    const auto count = options.examples > 0
                           ? std::min(all.size(), static_cast<std::size_t>(options.examples))
                           : all.size();
    const std::span<const data::TokenizedExample> examples(all.data(), count);
    const bool withOracle = data.oracle != nullptr && !options.noOracle;

    eval::SweepEvaluation evaluation;
    evaluation.examples = examples;
    evaluation.batchSize = static_cast<std::size_t>(options.batchSize);
    evaluation.oracle = withOracle ? data.oracle.get() : nullptr;
    evaluation.oracleOptions.seed = options.seed.value_or(config.seed);
    evaluation.oracleOptions.batchSize = static_cast<std::size_t>(options.batchSize);

    // With --judge, each alpha's continuations are also judged against the ground truth.
    std::optional<store::RunStore> store;
    std::optional<std::int64_t> runId;
    std::unique_ptr<eval::Judge> judge;
    std::optional<engine::Evaluator> judgedEvaluator;
    std::string judgeName;
    if (!options.judge.empty()) {
        const auto judgeConfig = engine::loadJudgeConfig(options.judge);
        judgeName = judgeConfig.name;
        store.emplace(storePath(options.db));
        runId = engine::findRunByFolder(*store, runDir);
        judge = engine::makeJudge(judgeConfig, data.oracle.get(), &*store,
                                  options.device.empty() ? config.device : options.device);
        if (!judge)
            throw Error("--judge " + options.judge + ": a human judge votes in the app; the "
                        "sweep needs an automatic judge");
        eval::Decoding decoding;
        decoding.seed = options.seed.value_or(config.seed);
        decoding.batchSize = static_cast<std::size_t>(options.batchSize);
        judgedEvaluator.emplace(examples, *data.tokenizer, judge.get(), judgeName, decoding);
    }
    std::vector<engine::ModelEvaluation> judged;
    auto measure = eval::makeSweepEvaluator(evaluation);
    const eval::SweepEvaluator evaluate = [&](model::CausalLMImpl& model) {
        auto scores = measure(model);
        if (judgedEvaluator) {
            const double alpha = alphas[judged.size()];
            judged.push_back(judgedEvaluator->evaluate(
                model, {fmt::format("alpha={}", alpha), alpha}, 0, runId ? &*store : nullptr,
                runId.value_or(0), options.split));
        }
        return scores;
    };
    // Rows need the run: a folder the store does not know is judged, not stored (a chat
    // judge still caches its answers there).
    if (judgedEvaluator && !runId)
        logger->info("{} is not a run of {}: the win rates are printed, not stored",
                     runDir.string(), storePath(options.db).string());

    Progress progress("alpha sweep", static_cast<std::int64_t>(alphas.size()));
    std::vector<eval::SweepPoint> points;
    try {
        points = eval::sweepAlphas(
            *mle, *cpo, alphas, evaluate,
            [&](std::size_t done, std::size_t, const eval::SweepPoint& point) {
                progress.update(static_cast<std::int64_t>(done),
                                fmt::format("alpha {} nll {}", point.alpha,
                                            number(point.scores.heldOut->loss, 4)));
            });
    } catch (const Error& e) {
        throw Error(fmt::format("--mle {}, --cpo {}: {}", mleFolder.string(), cpoFolder.string(),
                                e.what()));
    }
    progress.finish(fmt::format("{} alphas", points.size()));
    if (store && runId && !judged.empty())
        engine::storeAlphaSweep(*store, *runId, options.split, judgeName, judged);
    // Said after the sweep, so that an error stays the one line on stderr.
    logger->info("MLE {}, CPO {}; {} of the {} {} examples{}, on {}", mleFolder.string(),
                 cpoFolder.string(), count, all.size(), options.split,
                 withOracle ? ", samples scored by the oracle teacher" : "", device.str());

    if (options.common.json) {
        nlohmann::json pointsJson = nlohmann::json::array();
        for (std::size_t i = 0; i < points.size(); ++i)
            pointsJson.push_back(pointJson(points[i], judged.empty() ? nullptr : &judged[i]));
        nlohmann::json document{{"run_dir", runDir.string()},
                                {"mle", mleFolder.string()},
                                {"cpo", cpoFolder.string()},
                                {"split", options.split},
                                {"examples", count},
                                {"points", pointsJson}};
        if (!judged.empty()) {
            document["judge"] = judgeName;
            document["best_alpha"] = alphas[engine::bestAlpha(judged)];
        }
        printJson(document);
    } else {
        printTable(points, withOracle, judged);
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
        ->check(CLI::NonNegativeNumber);
    command->add_option("--mle", options->mle,
                        "MLE model folder (default: the run's last mle/step-* checkpoint)");
    command->add_option("--cpo", options->cpo,
                        "CPO model folder (default: the run's last cpo/step-* checkpoint)");
    command->add_option("--device", options->device,
                        "cpu, cuda, cuda:N or auto (default: the experiment's)");
    command->add_option("--batch-size", options->batchSize, "Examples per forward pass")
        ->check(CLI::PositiveNumber)
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
