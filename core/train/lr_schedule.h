#pragma once

#include "train/train_options.h"

#include <cstdint>

namespace cpo::train {

// The learning rate of optimizer step `step` (0-based) of a phase of `totalSteps` steps, as
// OptimizerOptions documents it:
// - warmup: lr * (step + 1) / warmupSteps for step < warmupSteps (the first step already
//   moves the weights; a zero-lr step would only cost time);
// - then decay over the remaining steps by progress p = (step - warmup) / (last - warmup),
//   last = totalSteps - 1, from lr (p = 0) to lr * minLrRatio (p = 1, the last step):
//   Cosine: min + (lr - min) * (1 + cos(pi p)) / 2; Linear: lr - (lr - min) * p;
//   Constant: lr.
// Steps past the end keep the final value.
double learningRate(const OptimizerOptions& options, std::int64_t step, std::int64_t totalSteps);

// Throws cpo::Error naming the field when an option is outside its range.
void validate(const OptimizerOptions& options);

} // namespace cpo::train
