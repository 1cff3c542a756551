#include "train/phase_loop.h"

#include "train/held_out_loss.h"
#include "util/elapsed.h"
#include "util/log.h"

#include <spdlog/fmt/fmt.h>

#include <chrono>

namespace cpo::train {

PhaseResult phaseResult(const PhaseLoopEnd& end, std::int64_t step,
                        const PhaseCheckpoints& checkpoints)
{
    return {end.outcome, step, end.message, checkpoints.last(), end.lastValidation};
}

PhaseLoopEnd runPhaseLoop(const PhaseLoopSettings& settings, const PhaseLoopHooks& hooks,
                          RunControl* control, const PhaseCheckpoints& checkpoints,
                          std::int64_t& step)
{
    auto logger = log::get("train");
    const auto start = std::chrono::steady_clock::now();
    std::optional<ValidationMetrics> lastValidation;
    const auto evaluate = [&] {
        auto metrics = hooks.validate ? hooks.validate() : std::nullopt;
        if (!metrics)
            return;
        lastValidation = metrics;
        hooks.validated(*metrics);
        logger->info("{} step {}: validation loss {:.4f}, perplexity {:.3f}", settings.name, step,
                     metrics->loss, metrics->perplexity);
    };
    const auto checkpointIfNew = [&] {
        if (!checkpoints.holds(step))
            hooks.writeCheckpoint();
    };

    if (settings.evaluateAtStart && step == 0)
        evaluate(); // the starting point of the validation curve
    while (step < settings.steps) {
        auto action = control ? control->awaitTurn() : ControlAction::Continue;
        if (hooks.agree)
            action = hooks.agree(action);
        if (action == ControlAction::Cancel) {
            logger->info("{} cancelled at step {}", settings.name, step);
            return {PhaseOutcome::Cancelled, fmt::format("cancelled at step {}", step),
                    lastValidation};
        }
        if (action == ControlAction::Stop) {
            checkpointIfNew();
            logger->info("{} stopped on request at step {}", settings.name, step);
            return {PhaseOutcome::Stopped,
                    fmt::format("stopped on request at step {}; resume from {}", step,
                                checkpoints.last()->string()),
                    lastValidation};
        }
        if (const auto failure = hooks.trainStep()) {
            auto message = fmt::format("{} stopped at step {}: {}; the update was not applied "
                                       "and {}. {}",
                                       settings.name, step + 1, *failure,
                                       checkpoints.lastGoodText(), settings.failureAdvice);
            logger->error("{}", message);
            if (hooks.failed)
                hooks.failed(message);
            return {PhaseOutcome::Failed, std::move(message), lastValidation};
        }
        ++step;
        hooks.stepDone();
        if (step == settings.steps)
            break;
        if (settings.evalEvery > 0 && step % settings.evalEvery == 0)
            evaluate();
        if (settings.checkpointEvery > 0 && step % settings.checkpointEvery == 0)
            hooks.writeCheckpoint();
    }
    evaluate();
    checkpointIfNew();
    return {PhaseOutcome::Finished,
            fmt::format("finished {} steps in {:.1f} s", step, secondsSince(start)),
            lastValidation};
}

std::optional<ValidationMetrics> validationAt(model::CausalLMImpl& model,
                                              std::span<const data::TokenizedExample> examples,
                                              std::int64_t trainBatchSize, std::int64_t count,
                                              std::int64_t step)
{
    if (examples.empty())
        return std::nullopt;
    const auto loss = heldOutLoss(model, examples,
                                  static_cast<std::size_t>(trainBatchSize * kEvalBatchFactor),
                                  static_cast<std::size_t>(count));
    return ValidationMetrics{step, loss.loss, loss.perplexity, loss.tokens};
}

} // namespace cpo::train
