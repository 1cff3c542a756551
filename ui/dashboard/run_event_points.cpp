#include "dashboard/run_event_points.h"

#include "dashboard/run_history.h"
#include "dashboard/win_rate_series.h"

namespace cpo::ui {

std::vector<SeriesPoint> RunEventPoints::points(const engine::RunEvent& event)
{
    std::vector<SeriesPoint> out;
    const auto add = [&](std::string_view name, std::int64_t step, double value) {
        out.push_back({m_phase + QLatin1Char('/') +
                           QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size())),
                       step, value});
    };
    // The clocks first: the values of the same step are placed by them.
    const auto clocks = [&](std::int64_t step, double tokensPerSecond, double stepSeconds,
                            double elapsedSeconds) {
        m_tokens += tokensPerSecond * stepSeconds;
        out.push_back({RunHistory::tokensKey(m_phase), step, m_tokens});
        out.push_back({RunHistory::elapsedKey(m_phase), step, elapsedSeconds});
    };
    std::visit(
        [&](const auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, engine::PhaseStarted>) {
                m_phase = QString::fromStdString(e.phase);
                m_tokens = 0.0;
            } else if constexpr (std::is_same_v<T, train::StepMetrics>) {
                clocks(e.step, e.tokensPerSecond, e.stepSeconds, e.elapsedSeconds);
                add("loss", e.step, e.loss);
                add("lr", e.step, e.lr);
                add("grad_norm", e.step, e.gradNorm);
                add("tokens_per_s", e.step, e.tokensPerSecond);
            } else if constexpr (std::is_same_v<T, train::CpoStepMetrics>) {
                clocks(e.step, e.tokensPerSecond, e.stepSeconds, e.elapsedSeconds);
                for (const auto& [name, value] : train::namedValues(e))
                    add(name, e.step, value);
                for (const auto strategy : train::negatives::kStrategies) {
                    const auto& s = e.strategies[static_cast<std::size_t>(strategy)];
                    if (s.negatives == 0)
                        continue;
                    const std::string name(train::negatives::toString(strategy));
                    add(name + "/reward", e.step, s.reward);
                    add(name + "/negatives", e.step, static_cast<double>(s.negatives));
                    add(name + "/redraws", e.step, static_cast<double>(s.redraws));
                }
            } else if constexpr (std::is_same_v<T, train::ValidationMetrics>) {
                add("val_loss", e.step, e.loss);
                add("val_perplexity", e.step, e.perplexity);
            } else if constexpr (std::is_same_v<T, engine::PhaseEnded>) {
                if (e.phase == "mle")
                    m_mleEnd = e.step;
            } else if constexpr (std::is_same_v<T, engine::EvaluationFinished>) {
                for (const auto& r : e.results) {
                    // The final evaluation judges MLE's model as it ended that phase.
                    const bool mleEnd = e.phase == "final" && r.model == "mle" && m_mleEnd;
                    const auto step = mleEnd ? *m_mleEnd : e.step;
                    for (auto& point : winRatePoints(r.model, step, r.winRate, r.ciLow,
                                                     r.ciHigh))
                        out.push_back(std::move(point));
                }
            }
        },
        event);
    return out;
}

} // namespace cpo::ui
