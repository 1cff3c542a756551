#pragma once

#include "engine/alpha_oracle_values.h"
#include "store/evaluation_store.h"

#include <QtCore/QList>
#include <QtCore/QMetaType>
#include <QtCore/QString>

#include <vector>

namespace cpo::ui {

// One run's α sweep as the α view draws it (the run's latest stored sweep).
struct AlphaCurve {
    qint64 runId = 0;
    QString label; // "demo-oracle #3 (mix)"
    store::AlphaSweepRecord sweep;
    // One per point of the sweep: its quality and coverage on the oracle task, where stored.
    std::vector<engine::AlphaOracleValues> oracle;
};
using AlphaCurves = std::vector<AlphaCurve>;

// One α's generations beside another α's of the same sweep, for the same prompts.
struct AlphaGenerations {
    double alpha = 0.0;
    double otherAlpha = 0.0;
    std::vector<store::GenerationRecord> shown;
    std::vector<store::GenerationRecord> other;
};

// What "Run sweep" asks for.
struct AlphaSweepLaunch {
    qint64 runId = 0;
    QList<double> alphas;
    QString judgeFile; // a judge config; the sweep is stored only when judged
    qint64 examples = 0;
};

} // namespace cpo::ui

Q_DECLARE_METATYPE(cpo::ui::AlphaCurves)
Q_DECLARE_METATYPE(cpo::ui::AlphaGenerations)
Q_DECLARE_METATYPE(cpo::ui::AlphaSweepLaunch)
