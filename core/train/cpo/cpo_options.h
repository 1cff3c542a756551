#pragma once

#include "tokenize/tokenizer.h"
#include "train/negatives/sampler_options.h"
#include "train/train_options.h"

#include <cstdint>

namespace cpo::train {

// When the CPO phase raises a health alert (besides a non-finite loss, which always stops it).
struct CpoHealthOptions {
    // Over-optimisation: y1's mean log π_θ fell and the margin rose at each of this many
    // consecutive metric checks.
    std::int64_t overOptimisationChecks = 5;
    // Saturation: accuracy 1 and loss below saturatedLoss for this many consecutive checks.
    std::int64_t saturatedChecks = 5;
    double saturatedLoss = 1e-3;
};

// The CPO phase (DESIGN.md §1): the experiment file's `cpo` block parses straight into it;
// the run session fills in what the run decides (seed, EOS, validation examples).
struct CpoOptions {
    std::int64_t steps = 300;          // optimizer steps
    std::int64_t batchSize = 8;        // examples per micro-batch
    std::int64_t gradAccumulation = 1; // micro-batches per optimizer step
    // Fine-tuning a trained model: a smaller, flat learning rate than MLE's.
    OptimizerOptions optimizer{.lr = 1e-4, .warmupSteps = 0, .schedule = LrSchedule::Constant};
    std::int64_t k = 4;        // candidates per example: y1 + k - 1 negatives
    double beta = 5.0;
    double lambdaMle = 0.0;    // weight of λ·NLL(y1), mean per y1 token
    negatives::SamplerOptions sampler;
    bool ranking = false;      // Plackett–Luce over the similarity order
    std::int64_t metricsEvery = 1;      // step metrics (and health checks) every N steps
    std::int64_t samplesEvery = 50;     // a sample set every N steps; 0 = never
    std::int64_t checkpointEvery = 100; // 0 = only at the end
    // Validation loss of π_θ every N steps and at the end (0 = only at the end), on the first
    // evalExamples validation examples (0 = all), when the trainer has a validation set.
    std::int64_t evalEvery = 0;
    std::int64_t evalExamples = 0;
    std::uint64_t seed = 0;             // data order and every negative
    tokenize::TokenId eosId = 0;        // the tokenizer's EOS
    CpoHealthOptions health;
};

} // namespace cpo::train
