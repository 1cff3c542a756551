#pragma once

#include "engine/run_events.h"

#include <QtCore/QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace cpo::ui {

// One point of one series, as the dashboard takes it.
struct SeriesPoint {
    QString key;
    std::int64_t step = 0;
    double value = 0.0;
};

// Turns a live run's events into the dashboard's series points: the same keys the recorder
// stores them under ("mle/loss", "cpo/accuracy", "cpo/an/reward", ...), so a live curve and
// the same run read back from the store coincide; plus each phase's clocks ("PHASE/tokens",
// cumulative, and "PHASE/elapsed_s") for the tokens and wall-time axes. One per run: it
// follows the run's phase.
class RunEventPoints {
public:
    std::vector<SeriesPoint> points(const engine::RunEvent& event);

private:
    QString m_phase = QStringLiteral("mle");
    double m_tokens = 0.0;
    std::optional<std::int64_t> m_mleEnd; // the step the MLE phase ended at
};

} // namespace cpo::ui
