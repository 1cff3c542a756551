#pragma once

#include "engine/run_catalog.h"
#include "store/evaluation_store.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

// A run's evaluations as the judging view lists them: one row per model continuation of one
// example, with every judge's verdict on it side by side (each evaluation is one model judged
// by one judge; rows join them on the model, the step, the split and the example). No
// LibTorch, no Qt.
namespace cpo::engine {

struct JudgedExample {
    std::int64_t generationId = 0; // the first evaluation's generation: votes attach to it
    std::string model;             // "mle", "cpo", "alpha=0.5"
    std::int64_t step = 0;
    std::string evalSet;
    std::string category;
    std::string exampleHash;
    std::string prompt;
    std::string reference;
    std::string text;
    std::map<std::string, std::string> verdicts; // judge → "win" | "tie" | "loss" | "" (none)
    std::map<std::string, std::string> details;  // judge → what it answered when it failed

    // Two judges gave different verdicts (a missing verdict is no opinion).
    bool judgesDisagree() const;
};

struct JudgedExamples {
    std::vector<JudgedExample> rows;         // by model, step, then the generation's id
    std::vector<std::string> judges;         // by name
    std::vector<store::HumanVoteRecord> votes; // on the rows' generations, by id
};

JudgedExamples judgedExamples(RunCatalog& catalog, std::int64_t runId);

} // namespace cpo::engine
