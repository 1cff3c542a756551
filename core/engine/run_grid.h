#pragma once

#include "engine/experiment.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cpo::engine {

// One run of a queue: the base experiment with its overrides applied.
struct QueuedRun {
    std::string name;                       // also the run's experiment name
    std::vector<std::string> overrides;     // "key.path=value", as `cpo run --set` takes them
    nlohmann::json experiment;              // the experiment as the overrides left it
    std::optional<ExperimentConfig> config; // empty when that is not a valid experiment
    std::string error;                      // why not, naming the field
};

// Reads a queue file (JSON with comments):
//
//   {
//     "experiment": "demo-oracle.json",          // relative to the queue file
//     "set":  {"cpo.steps": 200},                // every run (optional)
//     "grid": {"cpo.beta": [1, 5], "cpo.k": [2, 4]},   // every combination (optional)
//     "runs": [{"name": "dpo", "set": {"cpo.k": 2}}]   // listed runs, after the grid (optional)
//   }
//
// The grid's keys vary in alphabetical order, the last fastest; a grid run is named after the
// experiment and its values ("demo-oracle cpo.beta=1 cpo.k=2"). An override that does not make
// a valid experiment gives a run with an error rather than failing the whole queue; a queue
// file that cannot be read, has neither grid nor runs, or asks for more than kMaxQueueRuns
// runs (engine/experiment_limits.h) throws cpo::Error naming the file.
std::vector<QueuedRun> loadQueue(const std::filesystem::path& file);

} // namespace cpo::engine
