#include "run_execution.h"

#include "cli_common.h"
#include "progress.h"

#include "util/log.h"

#include <atomic>
#include <csignal>
#include <ctime>
#include <iomanip>
#include <optional>
#include <sstream>

namespace cpo::cli {
namespace {

// The session a Ctrl-C should stop. A signal handler can only touch lock-free atomics, and
// requestStop() is one atomic store; this is the one piece of process-wide state the CLI has.
std::atomic<engine::RunSession*> g_interruptible{nullptr};

extern "C" void onInterrupt(int)
{
    if (auto* session = g_interruptible.load())
        session->requestStop();
    std::signal(SIGINT, SIG_DFL); // a second Ctrl-C ends the process at once
}

std::string fixed(double value, int digits)
{
    std::ostringstream text;
    text << std::fixed << std::setprecision(digits) << value;
    return text.str();
}

nlohmann::json cpoStepJson(const train::CpoStepMetrics& e)
{
    nlohmann::json strategies = nlohmann::json::object();
    for (std::size_t i = 0; i < e.strategies.size(); ++i) {
        const auto& s = e.strategies[i];
        strategies[std::string(train::negatives::toString(
            static_cast<train::negatives::Strategy>(i)))] = {
            {"negatives", s.negatives}, {"redraws", s.redraws}, {"reward", s.reward},
            {"logp_theta", s.policyLogProb}, {"logp_ref", s.referenceLogProb}};
    }
    nlohmann::json json{{"event", "cpo_step"}, {"step", e.step}, {"strategies", strategies}};
    for (const auto& [key, value] : train::namedValues(e))
        json[std::string(key)] = value;
    return json;
}

nlohmann::json sampleSetJson(const engine::DecodedSampleSet& e)
{
    nlohmann::json candidates = nlohmann::json::array();
    for (std::size_t i = 0; i < e.set.candidates.size(); ++i) {
        const auto& c = e.set.candidates[i];
        candidates.push_back(
            {{"text", e.candidates[i]},
             {"strategy", c.strategy ? std::string(train::negatives::toString(*c.strategy))
                                     : std::string("ground_truth")},
             {"tokens", c.tokens}, {"logp_theta", c.policyLogProbs},
             {"logp_ref", c.referenceLogProbs}, {"reward", c.reward},
             {"similarity", c.similarity}, {"rank", c.rank}});
    }
    return {{"event", "sample_set"}, {"step", e.set.step}, {"prompt", e.prompt},
            {"candidates", candidates}};
}

// JSON of one event for --events: {"event": NAME, ...fields}.
nlohmann::json eventJson(const engine::RunEvent& event)
{
    return std::visit(
        [](const auto& e) -> nlohmann::json {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, engine::StatusMessage>)
                return {{"event", "status"}, {"text", e.text}};
            else if constexpr (std::is_same_v<T, engine::DataPrepared>)
                return {{"event", "data"}, {"description", e.description}, {"train", e.train},
                        {"validation", e.validation}, {"test", e.test}};
            else if constexpr (std::is_same_v<T, engine::ModelPrepared>)
                return {{"event", "model"}, {"description", e.description}, {"params", e.params}};
            else if constexpr (std::is_same_v<T, engine::PhaseStarted>)
                return {{"event", "phase_started"}, {"phase", e.phase}, {"steps", e.steps}};
            else if constexpr (std::is_same_v<T, train::StepMetrics>)
                return {{"event", "step"},       {"step", e.step},
                        {"loss", e.loss},         {"lr", e.lr},
                        {"grad_norm", e.gradNorm}, {"tokens_per_s", e.tokensPerSecond},
                        {"elapsed_s", e.elapsedSeconds}};
            else if constexpr (std::is_same_v<T, train::CpoStepMetrics>)
                return cpoStepJson(e);
            else if constexpr (std::is_same_v<T, engine::DecodedSampleSet>)
                return sampleSetJson(e);
            else if constexpr (std::is_same_v<T, train::ValidationMetrics>)
                return {{"event", "validation"}, {"step", e.step}, {"loss", e.loss},
                        {"perplexity", e.perplexity}, {"tokens", e.tokens}};
            else if constexpr (std::is_same_v<T, train::CheckpointSaved>)
                return {{"event", "checkpoint"}, {"step", e.step}, {"path", e.path.string()}};
            else if constexpr (std::is_same_v<T, engine::PhaseEnded>)
                return {{"event", "phase_ended"}, {"phase", e.phase},
                        {"outcome", train::toString(e.outcome)}, {"step", e.step},
                        {"seconds", e.seconds}, {"message", e.message}};
            else if constexpr (std::is_same_v<T, engine::PauseChanged>)
                return {{"event", e.paused ? "paused" : "resumed"}};
            else
                return {{"event", "alert"}, {"kind", e.kind}, {"message", e.message},
                        {"step", e.step}};
        },
        event);
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

engine::RunSummary executeRun(engine::RunSession& session, engine::RunRecorder& recorder,
                              bool events)
{
    RunDisplay display;
    session.setEventCallback([&](const engine::RunEvent& event) {
        recorder.record(event);
        if (events)
            printJson(eventJson(event));
        else
            display(event);
    });
    g_interruptible = &session;
    std::signal(SIGINT, onInterrupt);
    const auto summary = session.run();
    std::signal(SIGINT, SIG_DFL);
    g_interruptible = nullptr;
    recorder.finish(summary);
    return summary;
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

int reportRun(const engine::RunSummary& summary, std::int64_t runId,
              const std::filesystem::path& db, const nlohmann::json& extra)
{
    auto json = summary.toJson();
    json["run_id"] = runId;
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
        ->check(CLI::PositiveNumber);
}

std::string folderTimestamp()
{
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    std::ostringstream text;
    text << std::put_time(&local, "%Y%m%d-%H%M%S");
    return text.str();
}

} // namespace cpo::cli
