#pragma once

#include "data/examples.h"
#include "oracle/oracle_task.h"
#include "eval/oracle_score.h"
#include "model/causal_lm.h"
#include "train/held_out_loss.h"

#include <array>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace cpo::sweep {

// What one model of a sweep scored; what the evaluator did not measure stays empty.
struct SweepScores {
    std::optional<train::HeldOutLoss> heldOut; // NLL per continuation token, perplexity
    std::optional<eval::OracleScore> oracle;   // the teacher's score of the model's samples
};

struct SweepPoint {
    double alpha = 0.0;
    SweepScores scores;
    double seconds = 0.0; // interpolation and evaluation
};

// Evaluates one model (the sweep's buffer, in eval mode); it must not keep the reference.
using SweepEvaluator = std::function<SweepScores(model::CausalLMImpl& model)>;
// After each α: `done` of `total` finished, `point` the one just finished.
using SweepProgress =
    std::function<void(std::size_t done, std::size_t total, const SweepPoint& point)>;
// Asked before each α: true ends the sweep there (a cancel between two α).
using SweepStop = std::function<bool()>;

// DESIGN.md §1's default α list.
inline constexpr std::array kDefaultAlphas{0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0};

// The weight-space ensemble θ_α = α·θ_MLE + (1 − α)·θ_CPO for each α in turn, built in ONE
// buffer model (a clone of `mle`, on its device) by model::interpolateInto and handed to
// `evaluate`: memory for three models whatever the number of α. One point per α, in the
// given order (repeats allowed). α 1 and α 0 evaluate exact copies of θ_MLE and θ_CPO.
// When `stop` says so before an α, the points so far are returned (fewer than the α).
// Throws cpo::Error for an empty list, a non-finite α, or models of different architecture
// or shape (before anything is evaluated).
std::vector<SweepPoint> sweepAlphas(const model::CausalLMImpl& mle,
                                    const model::CausalLMImpl& cpo,
                                    std::span<const double> alphas,
                                    const SweepEvaluator& evaluate,
                                    const SweepProgress& progress = {},
                                    const SweepStop& stop = {});

// "0,0.25,0.5" → {0, 0.25, 0.5}: comma-separated finite numbers, spaces allowed. Throws
// cpo::Error naming the item that is not one, or saying the list is empty.
std::vector<double> parseAlphaList(std::string_view text);

// What the standard sweep evaluator measures. The spans and the oracle are viewed, not
// copied: they must outlive the evaluator.
struct SweepEvaluation {
    std::span<const data::TokenizedExample> examples; // held-out examples, all scored
    std::size_t batchSize = 32;                        // examples per forward pass
    const data::OracleTask* oracle = nullptr; // when set, also the teacher's score of samples
    eval::OracleScoreOptions oracleOptions;
};

// Held-out NLL per continuation token and perplexity (train::heldOutLoss) on the examples,
// and with an oracle, eval::oracleScore() of the model's continuations of their prefixes.
SweepEvaluator makeSweepEvaluator(SweepEvaluation evaluation);

} // namespace cpo::sweep
