#include "train/lr_schedule.h"

#include "util/error.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace cpo::train {

double learningRate(const OptimizerOptions& options, std::int64_t step, std::int64_t totalSteps)
{
    const auto warmup = std::max<std::int64_t>(options.warmupSteps, 0);
    if (step < warmup)
        return options.lr * static_cast<double>(step + 1) / static_cast<double>(warmup);
    if (options.schedule == LrSchedule::Constant)
        return options.lr;
    const double minLr = options.lr * options.minLrRatio;
    const std::int64_t span = totalSteps - 1 - warmup;
    // With no decay span left after warmup, the one remaining step is the last: it gets min.
    const double progress =
        span <= 0 ? 1.0
                  : std::clamp(static_cast<double>(step - warmup) / static_cast<double>(span),
                               0.0, 1.0);
    if (options.schedule == LrSchedule::Linear)
        return options.lr - (options.lr - minLr) * progress;
    return minLr + (options.lr - minLr) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
}

void validate(const OptimizerOptions& options)
{
    const auto fail = [](const char* field, double value, const char* allowed) {
        throw Error(fmt::format("optimizer.{} is {}; {}", field, value, allowed));
    };
    if (!(options.lr > 0.0) || !std::isfinite(options.lr))
        fail("lr", options.lr, "it must be a positive number");
    if (!(options.weightDecay >= 0.0))
        fail("weight_decay", options.weightDecay, "it must be 0 or more");
    if (!(options.beta1 >= 0.0 && options.beta1 < 1.0))
        fail("beta1", options.beta1, "it must lie in [0, 1)");
    if (!(options.beta2 >= 0.0 && options.beta2 < 1.0))
        fail("beta2", options.beta2, "it must lie in [0, 1)");
    if (!(options.eps > 0.0))
        fail("eps", options.eps, "it must be positive");
    if (options.warmupSteps < 0)
        fail("warmup_steps", static_cast<double>(options.warmupSteps), "it must be 0 or more");
    if (!(options.minLrRatio >= 0.0 && options.minLrRatio <= 1.0))
        fail("min_lr_ratio", options.minLrRatio, "it must lie in [0, 1]");
    if (!(options.gradClip >= 0.0))
        fail("grad_clip", options.gradClip, "it must be 0 (no clipping) or more");
}

} // namespace cpo::train
