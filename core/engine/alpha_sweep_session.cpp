#include "engine/alpha_sweep_session.h"

#include "engine/evaluation_session.h"
#include "engine/judge_config.h"
#include "engine/prepared_data.h"
#include "sweep/alpha_sweep.h"
#include "model/device.h"
#include "model/hf_folder.h"
#include "store/run_store.h"
#include "train/checkpoint.h"
#include "util/blas_threads.h"
#include "util/error.h"

#include <spdlog/fmt/fmt.h>
#include <torch/torch.h>

#include <algorithm>
#include <span>

namespace cpo::engine {
namespace {

namespace fs = std::filesystem;

AlphaPoint plain(const sweep::SweepPoint& point)
{
    AlphaPoint out{point.alpha, std::nullopt, std::nullopt, std::nullopt, point.seconds};
    if (const auto& held = point.scores.heldOut)
        out.heldOut = AlphaHeldOut{held->loss, held->perplexity, held->tokens};
    if (const auto& oracle = point.scores.oracle)
        out.oracle = AlphaOracle{oracle->logLikelihoodPerToken, oracle->wellFormed,
                                 oracle->samples};
    return out;
}

} // namespace

ExperimentConfig loadRunExperiment(const fs::path& runDir)
{
    const fs::path file = runDir / "experiment.json";
    if (!fs::is_regular_file(file))
        throw Error(fmt::format("{}: no experiment.json there; point it at a folder `cpo run` "
                                "wrote",
                                runDir.string()));
    return loadExperiment(file);
}

std::optional<fs::path> lastPhaseCheckpoint(const fs::path& runDir, std::string_view phase)
{
    return train::latestCheckpoint(runDir / phase);
}

AlphaSweepResult runAlphaSweep(const AlphaSweepRequest& request,
                               const AlphaSweepProgress& progress,
                               const std::function<void(const std::string&)>& status,
                               const AlphaSweepStop& stop)
{
    const auto config = loadRunExperiment(request.runDir);
    if (request.experimentThreads && config.threads > 0) {
        torch::set_num_threads(static_cast<int>(config.threads));
        setBlasThreads(static_cast<int>(config.threads));
    }
    const auto device = model::parseDevice(
        request.device.empty() ? config.device : request.device,
        request.device.empty() ? "the run's experiment field 'device'" : "device");
    const auto mle = model::loadHfModel(request.mleModel, device);
    const auto cpo = model::loadHfModel(request.cpoModel, device);

    const auto split = request.testSplit ? data::Split::Test : data::Split::Validation;
    auto data = prepareSplit(config, request.runDir, split, [&](const std::string& text) {
        if (status)
            status(text);
    });
    auto& all = request.testSplit ? data.test : data.validation;
    if (all.empty())
        throw Error(fmt::format("the run's {} split is empty: nothing to evaluate on (try the "
                                "{} split)",
                                request.testSplit ? "test" : "validation",
                                request.testSplit ? "validation" : "test"));
    AlphaSweepResult result;
    result.available = all.size();
    result.examples = request.examples > 0
                          ? std::min(all.size(), static_cast<std::size_t>(request.examples))
                          : all.size();
    result.withOracle = data.oracle != nullptr && request.oracle;
    result.device = device.str();

    sweep::SweepEvaluation evaluation;
    evaluation.examples = std::span<const data::TokenizedExample>(all.data(), result.examples);
    evaluation.batchSize = static_cast<std::size_t>(request.batchSize);
    evaluation.oracle = result.withOracle ? data.oracle.get() : nullptr;
    evaluation.oracleOptions.seed = request.seed.value_or(config.seed);
    evaluation.oracleOptions.batchSize = static_cast<std::size_t>(request.batchSize);
    // With a judge, each α's continuations are also judged against the ground truth.
    std::optional<store::RunStore> store;
    std::optional<std::int64_t> runId;
    std::unique_ptr<eval::Judge> judge;
    std::optional<Evaluator> judged;
    std::vector<ModelEvaluation> verdicts;
    if (!request.judgeFile.empty()) {
        const auto judgeConfig = loadJudgeConfig(request.judgeFile);
        result.judge = judgeConfig.name;
        store.emplace(request.db);
        runId = findRunByFolder(*store, request.runDir);
        judge = makeJudge(judgeConfig, data.oracle.get(), &*store,
                          request.device.empty() ? config.device : request.device);
        if (!judge)
            throw Error(request.judgeFile.string() + ": a human judge votes in the app; the "
                        "sweep needs an automatic judge");
        eval::Decoding decoding;
        decoding.seed = request.seed.value_or(config.seed);
        decoding.batchSize = static_cast<std::size_t>(request.batchSize);
        judged.emplace(evaluation.examples, *data.tokenizer, judge.get(), judgeConfig.name,
                       decoding);
        // On the oracle task each α's stored evaluation also gets its quality and coverage,
        // as the run's own final evaluation does: the α view draws them beside the win rate.
        judged->setOracle(evaluation.oracle);
        // Rows need the run: a folder the store does not know is judged, not stored (a chat
        // judge still caches its answers there).
        if (!runId && status)
            status(request.runDir.string() + " is not a run of " + request.db.string() +
                   ": the win rates are printed, not stored");
    }
    const auto evalSet = request.testSplit ? "test" : "validation";
    auto measure = sweep::makeSweepEvaluator(evaluation);
    const sweep::SweepEvaluator evaluate = [&](model::CausalLMImpl& model) {
        auto scores = measure(model);
        if (judged) {
            const double alpha = request.alphas[verdicts.size()];
            verdicts.push_back(judged->evaluate(model, {fmt::format("alpha={}", alpha), alpha},
                                                0, runId ? &*store : nullptr,
                                                runId.value_or(0), evalSet));
        }
        return scores;
    };
    const auto withWinRate = [&](AlphaPoint point, std::size_t index) {
        if (index < verdicts.size()) {
            const auto& v = verdicts[index];
            point.winRate = AlphaWinRate{v.winRate.rate, v.winRate.ciLow, v.winRate.ciHigh,
                                         v.winRate.n, v.lengthControlled, v.failures};
        }
        return point;
    };
    try {
        const auto points = sweep::sweepAlphas(
            *mle, *cpo, request.alphas, evaluate,
            [&](std::size_t done, std::size_t total, const sweep::SweepPoint& point) {
                if (progress)
                    progress(done, total, withWinRate(plain(point), done - 1));
            },
            stop);
        for (std::size_t i = 0; i < points.size(); ++i)
            result.points.push_back(withWinRate(plain(points[i]), i));
        result.cancelled = points.size() < request.alphas.size();
    } catch (const Error& e) {
        throw AlphaSweepModelsError(e.what());
    }
    if (!verdicts.empty()) {
        result.bestPoint = bestAlpha(verdicts);
        if (runId) {
            storeAlphaSweep(*store, *runId, evalSet, result.judge, verdicts);
            result.stored = true;
        }
    }
    return result;
}

} // namespace cpo::engine
