#pragma once

#include <cstdint>
#include <string>

namespace cpo::train {

enum class LrSchedule { Constant, Linear, Cosine };

// AdamW and the learning-rate schedule: warmup from 0 to `lr` over `warmupSteps`, then
// decay to `lr * minLrRatio` at the last step (Linear/Cosine) or stay (Constant).
struct OptimizerOptions {
    double lr = 1e-3;
    double weightDecay = 0.01;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    std::int64_t warmupSteps = 100;
    LrSchedule schedule = LrSchedule::Cosine;
    double minLrRatio = 0.1;
    double gradClip = 1.0; // max global grad norm; 0 = no clipping
};

// The MLE phase: next-token cross-entropy on continuation tokens only (prompt masked out).
struct MleOptions {
    std::int64_t steps = 1000;           // optimizer steps
    std::int64_t batchSize = 32;         // examples per micro-batch
    std::int64_t gradAccumulation = 1;   // micro-batches per optimizer step
    OptimizerOptions optimizer;
    std::int64_t evalEvery = 100;        // validation loss + perplexity every N steps (0 = end only)
    std::int64_t evalExamples = 512;     // validation examples used per evaluation (0 = all)
    std::int64_t checkpointEvery = 500;  // 0 = only at the end
    std::uint64_t seed = 0;              // the data order (shuffling and bucketing)
};

} // namespace cpo::train
