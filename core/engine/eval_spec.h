#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

// The experiment's `eval` block: win rates against the ground truth during and after
// training. Plain values (no LibTorch), part of the canonical experiment and its hash.
namespace cpo {
class ConfigIssues;
class ObjectReader;
} // namespace cpo

namespace cpo::engine {

struct ExperimentConfig;

// How the evaluated models decode; the defaults are greedy up to EOS or the longest ground
// truth of the prompt set.
struct EvalDecoding {
    double temperature = 0.0;      // 0 = greedy
    std::int64_t topK = 0;         // 0 = no top-k cut
    double topP = 1.0;             // 1 = no nucleus cut
    std::int64_t maxNewTokens = 0; // 0 = the longest ground truth of the prompts
    std::uint64_t seed = 0;        // 0 = the experiment's seed

    friend bool operator==(const EvalDecoding&, const EvalDecoding&) = default;
};

struct EvalSpec {
    // During training, each phase's model is judged every N of its steps (0: only the final
    // evaluation after training).
    std::int64_t every = 0;
    std::int64_t examples = 500; // the first N test prompts (0: all of them)
    // A judge file (experiments/judges/); "" = the oracle judge, on the oracle task only.
    std::string judge;
    EvalDecoding decoding;
    // Weights of θ_MLE (π_ref) in the ensembles α·θ_MLE + (1 − α)·θ_CPO judged after
    // training (none: no α sweep). A run without a CPO phase skips it, so `--set cpo=null`
    // (the MLE baseline) keeps the block.
    std::vector<double> alphas;

    friend bool operator==(const EvalSpec&, const EvalSpec&) = default;
};

// Reads the `eval` object, recording every problem under its JSON path ("eval.alphas[2]").
EvalSpec readEvalSpec(ObjectReader in);
// What the block needs from the rest of the experiment: the default judge needs the oracle
// task.
void checkEvalSpec(const ExperimentConfig& config, ConfigIssues& issues);
nlohmann::json toJson(const EvalSpec& spec);

} // namespace cpo::engine
