#pragma once

#include "engine/run_comparison.h"
#include "store/records.h"

#include <QtCore/QMetaType>
#include <QtCore/QStringList>

#include <vector>

namespace cpo::ui {

// Two or more runs side by side, as the comparison view shows them.
struct RunComparison {
    std::vector<qint64> runIds;
    QStringList names; // "demo-oracle #3", one per run
    std::vector<engine::ExperimentDifference> differences;
    std::vector<std::vector<engine::FinalWinRate>> winRates; // per run
    QStringList seriesKeys;                                  // every run's, merged
};

// One metric of each compared run.
struct ComparedSeries {
    QString key;
    std::vector<qint64> runIds;
    std::vector<store::Series> series; // per run
};

} // namespace cpo::ui

Q_DECLARE_METATYPE(cpo::ui::RunComparison)
Q_DECLARE_METATYPE(cpo::ui::ComparedSeries)
