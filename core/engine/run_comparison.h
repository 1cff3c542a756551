#pragma once

#include "engine/run_catalog.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

// What the run comparison shows of two or more runs beside their curves: the fields their
// experiments differ in, and each run's final win rates. No LibTorch, no Qt.
namespace cpo::engine {

// One experiment field that is not the same in every run, by its dotted JSON path
// ("cpo.beta", "dataset.oracle.seed"); one value per run as compact JSON, "" where absent.
struct ExperimentDifference {
    std::string path;
    std::vector<std::string> values;
};

// Only the differing fields, by path. An experiment that is not JSON (comments are fine)
// throws cpo::Error naming its position in the list.
std::vector<ExperimentDifference> experimentDifferences(std::span<const std::string> jsons);

// A run's latest evaluated win rate per model and judge, from the stored summaries.
struct FinalWinRate {
    std::string model;
    std::string judge;
    std::int64_t step = 0;
    double rate = 0.0;
    double ciLow = 0.0;
    double ciHigh = 0.0;
    std::int64_t n = 0;
};

std::vector<FinalWinRate> finalWinRates(RunCatalog& catalog, std::int64_t runId);

} // namespace cpo::engine
