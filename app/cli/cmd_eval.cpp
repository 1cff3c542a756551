// `cpo eval`: a finished run's checkpoints judged after the fact, with any judge.

#include "cli_common.h"
#include "device_option.h"
#include "store_options.h"
#include "number_checks.h"

#include "engine/evaluation_session.h"
#include "engine/run_catalog.h"
#include "util/log.h"

#include <spdlog/fmt/fmt.h>

#include <iostream>
#include <memory>

namespace cpo::cli {
namespace {

struct EvalOptions {
    CommonOptions common;
    std::string db;
    std::int64_t runId = 0;
    std::string judge;
    std::string models = "mle,cpo";
    std::int64_t examples = 500;
    std::string split = "test";
    double temperature = 0.0;
    std::int64_t topK = 0;
    double topP = 1.0;
    std::uint64_t seed = 0;
    std::int64_t maxNew = 0;
    std::string device;
};

void printTable(const engine::EvaluationReport& report)
{
    std::cout << fmt::format("run {}, {} {} prompts, judge {}\n", report.runId, report.examples,
                             report.split,
                             report.models.empty() ? "" : report.models.front().judge);
    std::cout << fmt::format("{:>12}  {:>8}  {:>17}  {:>6}  {:>8}  {:>8}  {:>9}\n", "model",
                             "win_rate", "95% interval", "n", "lc_rate", "failures",
                             "flip_rate");
    for (const auto& model : report.models)
        std::cout << fmt::format("{:>12}  {:>8.3f}  [{:>6.3f}, {:>6.3f}]  {:>6}  {:>8.3f}  "
                                 "{:>8}  {:>9.3f}\n",
                                 model.label, model.winRate.rate, model.winRate.ciLow,
                                 model.winRate.ciHigh, model.winRate.n, model.lengthControlled,
                                 model.failures, model.flipRate);
    std::cout.flush();
}

int runEval(const EvalOptions& options)
{
    applyCommonOptions(options.common);
    requireDevice(options.device);
    auto logger = log::get("cpo");
    engine::EvaluationRequest request;
    request.db = storePath(options.db);
    engine::requireRunStore(request.db); // says what is wrong when there is none yet
    request.runId = options.runId;
    request.judge = engine::loadJudgeConfig(options.judge);
    request.models = engine::parseModelList(options.models);
    request.split = options.split == "validation" ? data::Split::Validation : data::Split::Test;
    request.examples = options.examples;
    request.decoding.sampling = {options.temperature, options.topK, options.topP};
    request.decoding.seed = options.seed;
    request.decoding.maxNewTokens = options.maxNew;
    request.device = options.device;
    const auto report =
        engine::evaluateRun(request, [&](const std::string& text) { logger->info("{}", text); });
    if (options.common.json)
        printJson(engine::toJson(report));
    else
        printTable(report);
    return 0;
}

} // namespace

void addEvalCommand(CLI::App& app, Action& action)
{
    auto options = std::make_shared<EvalOptions>();
    auto* command = app.add_subcommand(
        "eval", "Judge a run's models against the ground truth of its held-out prompts: win "
                "rate with its 95% Wilson interval, length-controlled rate, per category");
    addRunIdArgument(*command, options->runId);
    command->add_option("--judge", options->judge,
                        "Judge config (JSON; experiments/judges/ has examples)")
        ->required()
        ->check(CLI::ExistingFile);
    command->add_option("--models", options->models,
                        "Comma-separated: mle, cpo, alpha=A (the weight-space ensemble)")
        ->capture_default_str();
    command->add_option("--examples", options->examples, "First N prompts of the split (0: all)")
        ->check(nonNegativeNumber())
        ->capture_default_str();
    command->add_option("--split", options->split, "Held-out prompts")
        ->check(CLI::IsMember({"validation", "test"}))
        ->capture_default_str();
    command->add_option("--temperature", options->temperature, "0: greedy")
        ->check(nonNegativeNumber())
        ->capture_default_str();
    command->add_option("--top-k", options->topK, "0: no cut")->check(nonNegativeNumber());
    command->add_option("--top-p", options->topP, "1: no cut")->check(numberBetween(0.0, 1.0));
    command->add_option("--seed", options->seed, "Sampling seed (default: the experiment's)");
    command->add_option("--max-new", options->maxNew,
                        "Token cap (default: the longest ground truth)")
        ->check(nonNegativeNumber());
    addDeviceOption(*command, options->device, "the run's experiment's");
    addDbOption(*command, options->db);
    addCommonOptions(*command, options->common);
    command->callback([options, &action] { action = [options] { return runEval(*options); }; });
}

} // namespace cpo::cli
