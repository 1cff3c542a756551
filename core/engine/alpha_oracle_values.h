#pragma once

#include "store/evaluation_store.h"

#include <optional>
#include <span>
#include <vector>

// Quality and coverage of an α sweep's points on the oracle task, as the α view draws them
// beside the win rate. No LibTorch, no Qt.
namespace cpo::engine {

// NLL per token, in nats; empty where the α's evaluation did not measure it (no oracle task,
// or a sweep stored before these were kept).
struct AlphaOracleValues {
    std::optional<double> quality;  // the teacher's NLL of the α model's own samples
    std::optional<double> coverage; // the α model's NLL of held-out teacher samples
};

// One entry per point of `sweep`, in its order, read from the summary of the point's
// evaluation among `evaluations` (the run's): the `sample_teacher_nll` and `heldout_nll` that
// Evaluator::evaluate stores when it has the oracle task.
std::vector<AlphaOracleValues>
alphaOracleValues(const store::AlphaSweepRecord& sweep,
                  std::span<const store::EvaluationRecord> evaluations);

} // namespace cpo::engine
