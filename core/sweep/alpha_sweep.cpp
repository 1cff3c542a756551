#include "sweep/alpha_sweep.h"

#include "model/interpolate.h"
#include "util/error.h"

#include <spdlog/fmt/fmt.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <string>
#include <system_error>

namespace cpo::sweep {
namespace {

std::string_view trimmed(std::string_view text)
{
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos)
        return {};
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

} // namespace

std::vector<SweepPoint> sweepAlphas(const model::CausalLMImpl& mle,
                                    const model::CausalLMImpl& cpo,
                                    std::span<const double> alphas,
                                    const SweepEvaluator& evaluate,
                                    const SweepProgress& progress,
                                    const SweepStop& stop)
{
    if (alphas.empty())
        throw Error("the alpha sweep needs at least one alpha");
    for (const double alpha : alphas)
        if (!std::isfinite(alpha))
            throw Error(fmt::format("alpha {} is not a finite number", alpha));
    // The first interpolation checks the architectures before anything is evaluated.
    auto buffer = model::cloneModel(mle);
    buffer->eval();
    std::vector<SweepPoint> points;
    points.reserve(alphas.size());
    for (const double alpha : alphas) {
        if (stop && stop())
            break;
        const auto start = std::chrono::steady_clock::now();
        model::interpolateInto(*buffer, mle, cpo, alpha);
        SweepPoint point;
        point.alpha = alpha;
        point.scores = evaluate(*buffer);
        point.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        points.push_back(point);
        if (progress)
            progress(points.size(), alphas.size(), points.back());
    }
    return points;
}

std::vector<double> parseAlphaList(std::string_view text)
{
    if (trimmed(text).empty())
        throw Error("the alpha list is empty (expected e.g. 0,0.25,0.5,0.75,1)");
    std::vector<double> alphas;
    std::size_t begin = 0;
    while (true) {
        const auto end = text.find(',', begin);
        const auto item = trimmed(text.substr(begin, end == std::string_view::npos
                                                         ? std::string_view::npos
                                                         : end - begin));
        double value = 0.0;
        const auto [rest, error] = std::from_chars(item.data(), item.data() + item.size(), value);
        if (item.empty() || error != std::errc() || rest != item.data() + item.size() ||
            !std::isfinite(value))
            throw Error(fmt::format("alpha list '{}': '{}' is not a number (expected e.g. "
                                    "0,0.25,0.5,0.75,1)",
                                    text, item));
        alphas.push_back(value);
        if (end == std::string_view::npos)
            break;
        begin = end + 1;
    }
    return alphas;
}

SweepEvaluator makeSweepEvaluator(SweepEvaluation evaluation)
{
    return [evaluation](model::CausalLMImpl& model) {
        SweepScores scores;
        scores.heldOut = train::heldOutLoss(model, evaluation.examples, evaluation.batchSize);
        if (evaluation.oracle != nullptr)
            scores.oracle = eval::oracleScore(model, *evaluation.oracle, evaluation.examples,
                                        evaluation.oracleOptions);
        return scores;
    };
}

} // namespace cpo::sweep
