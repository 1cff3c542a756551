#include "engine/alpha_sweep_session.h"

#include "engine/prepared_data.h"
#include "eval/alpha_sweep.h"
#include "model/device.h"
#include "model/hf_folder.h"
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

AlphaPoint plain(const eval::SweepPoint& point)
{
    AlphaPoint out{point.alpha, std::nullopt, std::nullopt, point.seconds};
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
                               const std::function<void(const std::string&)>& status)
{
    const auto config = loadRunExperiment(request.runDir);
    if (request.experimentThreads && config.threads > 0) {
        torch::set_num_threads(static_cast<int>(config.threads));
        setBlasThreads(static_cast<int>(config.threads));
    }
    const auto device = model::parseDevice(request.device.empty() ? config.device
                                                                  : request.device);
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

    eval::SweepEvaluation evaluation;
    evaluation.examples = std::span<const data::TokenizedExample>(all.data(), result.examples);
    evaluation.batchSize = static_cast<std::size_t>(request.batchSize);
    evaluation.oracle = result.withOracle ? data.oracle.get() : nullptr;
    evaluation.oracleOptions.seed = request.seed.value_or(config.seed);
    evaluation.oracleOptions.batchSize = static_cast<std::size_t>(request.batchSize);
    try {
        const auto points = eval::sweepAlphas(
            *mle, *cpo, request.alphas, eval::makeSweepEvaluator(evaluation),
            [&](std::size_t done, std::size_t total, const eval::SweepPoint& point) {
                if (progress)
                    progress(done, total, plain(point));
            });
        for (const auto& point : points)
            result.points.push_back(plain(point));
    } catch (const Error& e) {
        throw AlphaSweepModelsError(e.what());
    }
    return result;
}

} // namespace cpo::engine
