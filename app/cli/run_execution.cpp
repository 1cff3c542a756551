#include "run_execution.h"

#include "cli_common.h"
#include "progress.h"
#include "number_checks.h"

#include "engine/event_codec.h"
#include "util/log.h"

#include <atomic>
#include <csignal>
#include <iomanip>
#include <memory>
#include <optional>
#include <sstream>
#include <variant>

namespace cpo::cli {
namespace {

// The host whose run a Ctrl-C should stop. A signal handler can only touch lock-free atomics,
// and RunHost::stop() is two atomic operations; this is the one piece of process-wide state
// the CLI has.
std::atomic<engine::RunHost*> g_interruptible{nullptr};

extern "C" void onInterrupt(int)
{
    if (auto* host = g_interruptible.load())
        host->stop();
    std::signal(SIGINT, SIG_DFL); // a second Ctrl-C ends the process at once
}

std::string fixed(double value, int digits)
{
    std::ostringstream text;
    text << std::fixed << std::setprecision(digits) << value;
    return text.str();
}

// Shows a run to a person on stderr: stage lines, a progress bar per phase, validations.
class RunDisplay {
public:
    void operator()(const engine::RunEvent& event)
    {
        auto log = log::get("run");
        std::visit(
            [&](const auto& e) {
                using T = std::decay_t<decltype(e)>;
                if constexpr (std::is_same_v<T, engine::StatusMessage>) {
                    log->info("{}", e.text);
                } else if constexpr (std::is_same_v<T, engine::DataPrepared>) {
                    log->info("data: {}", e.description);
                } else if constexpr (std::is_same_v<T, engine::ModelPrepared>) {
                    log->info("model: {} ({} parameters)", e.description, e.params);
                } else if constexpr (std::is_same_v<T, engine::PhaseStarted>) {
                    log->info("{} phase: {} steps", e.phase, e.steps);
                    m_progress.emplace(e.phase, e.steps);
                } else if constexpr (std::is_same_v<T, train::StepMetrics>) {
                    m_lastLoss = e.loss;
                    if (m_progress)
                        m_progress->update(e.step, detail(e));
                } else if constexpr (std::is_same_v<T, train::CpoStepMetrics>) {
                    m_lastLoss = e.loss;
                    if (m_progress)
                        m_progress->update(e.step, "loss " + fixed(e.loss, 3) + "  acc " +
                                                       fixed(e.accuracy, 2) + "  margin " +
                                                       fixed(e.margin, 2) + "  logratio " +
                                                       fixed(e.klGroundTruth, 3));
                } else if constexpr (std::is_same_v<T, train::ValidationMetrics>) {
                    m_validation = "val " + fixed(e.loss, 3) + " ppl " + fixed(e.perplexity, 2);
                } else if constexpr (std::is_same_v<T, engine::PhaseEnded>) {
                    if (m_progress)
                        m_progress->finish("loss " + fixed(m_lastLoss, 3) + "  " + m_validation);
                    m_validation.clear();
                    m_progress.reset();
                    log->info("{} phase {} at step {} in {}", e.phase,
                              train::toString(e.outcome), e.step, formatDuration(e.seconds));
                    if (!e.message.empty() && e.outcome != train::PhaseOutcome::Finished)
                        log->warn("{}", e.message);
                } else if constexpr (std::is_same_v<T, engine::Alert>) {
                    log->warn("{}", e.message);
                } else if constexpr (std::is_same_v<T, engine::PauseChanged>) {
                    log->info("{}", e.paused ? "paused" : "resumed");
                } else if constexpr (std::is_same_v<T, engine::EvaluationFinished>) {
                    std::string rates;
                    for (const auto& r : e.results)
                        rates += "  " + r.model + " " + fixed(r.winRate, 3) + " [" +
                                 fixed(r.ciLow, 3) + ", " + fixed(r.ciHigh, 3) + "]";
                    log->info("{} evaluation at step {}, win rate vs ground truth ({} judge, "
                              "n {}):{}", e.phase, e.step,
                              e.results.empty() ? "" : e.results.front().judge,
                              e.results.empty() ? 0 : e.results.front().n, rates);
                } else if constexpr (std::is_same_v<T, engine::DecodedSampleSet>) {
                    log->debug("sample set at step {}: {} candidates", e.set.step,
                               e.candidates.size());
                }
            },
            event);
    }

private:
    std::string detail(const train::StepMetrics& e) const
    {
        std::ostringstream lr;
        lr << std::setprecision(2) << std::scientific << e.lr;
        return "loss " + fixed(e.loss, 3) + "  lr " + lr.str() + "  " +
               fixed(e.tokensPerSecond, 0) + " tok/s  " + m_validation;
    }

    std::optional<Progress> m_progress;
    double m_lastLoss = 0.0;
    std::string m_validation;
};

} // namespace

void showRuns(engine::RunHost& host, bool events)
{
    if (events) {
        host.addListener([](std::int64_t, const engine::RunEvent& event) {
            // The summary line that ends the command says how the run ended.
            if (!std::holds_alternative<engine::RunFinished>(event))
                printJson(engine::eventToJson(event));
        });
        return;
    }
    host.addListener([display = std::make_shared<RunDisplay>()](
                         std::int64_t, const engine::RunEvent& event) { (*display)(event); });
}

InterruptGuard::InterruptGuard(engine::RunHost& host)
{
    g_interruptible = &host;
    std::signal(SIGINT, onInterrupt);
}

InterruptGuard::~InterruptGuard()
{
    std::signal(SIGINT, SIG_DFL);
    g_interruptible = nullptr;
}

int exitCodeFor(const engine::RunSummary& summary)
{
    switch (summary.outcome) {
    case engine::RunOutcome::Finished:
        return 0;
    case engine::RunOutcome::Stopped:
        log::get("run")->warn("stopped: {}", summary.message);
        return 130;
    case engine::RunOutcome::Cancelled:
    case engine::RunOutcome::Failed:
        break;
    }
    log::get("run")->error("{}", summary.message);
    return 1;
}

int reportRun(const engine::RunSummary& summary, const std::filesystem::path& db,
              const nlohmann::json& extra)
{
    auto json = summary.toJson();
    json["run_id"] = summary.runId;
    json["db"] = db.string();
    if (extra.is_object())
        json.update(extra);
    printJson(json);
    return exitCodeFor(summary);
}

void addEventsFlag(CLI::App& command, bool& events)
{
    command.add_flag("--events", events,
                     "Print every event as one JSON line on stdout (then the summary line)");
}

void addStepsScaleOption(CLI::App& command, double& factor)
{
    command.add_option("--steps-scale", factor,
                       "Multiply every phase's step counts, e.g. 0.1 for a quick try")
        ->check(positiveNumber());
}

} // namespace cpo::cli
