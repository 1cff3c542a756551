#pragma once

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>

namespace cpo::perf {

struct BenchOptions {
    torch::Device device = torch::kCPU;
    int warmupSteps = 2;
    int timedSteps = 8;
    std::uint64_t seed = 1234;
};

// Figures for the fixed bench configuration (see the README): a GPT-2 of vocabulary 4096,
// d_model 256, 4 layers, 4 heads, 128 positions, trained on batches of 8 x 128 random tokens
// with AdamW (lr 1e-4), fp32, next-token loss over all positions.
struct BenchReport {
    std::string device;
    std::string blas;
    int threads = 0;
    std::int64_t params = 0;          // every trainable parameter, tied LM head counted once
    double mleStepMs = 0;
    double mleTokensPerS = 0;
    double matmulGflops = 0;          // fp32 1024 x 1024 x 1024 matmul in this process
    double mfu = 0;                   // 6 * params * tokens/s / matmul FLOP/s
    // One CPO step on the same model: batch 8, K 4 (y1 + 3 random-token negatives), prompt 64
    // + continuation 64, π_ref log-probs computed in the step, backward, AdamW. The engine's
    // way (prompt shared, y1's π_ref from the per-example cache) and the straightforward one
    // (K full sequences, π_ref recomputed, nothing shared).
    double cpoStepMs = 0;
    double cpoStepNaiveMs = 0;
    // AN sampling: 3 continuations x 64 tokens for each of 8 prompts of 64 tokens,
    // temperature 1, with the KV cache and without.
    double anTokensPerS = 0;
    double anNaiveTokensPerS = 0;

    nlohmann::json toJson() const;
};

using BenchProgress = std::function<void(const std::string& stage)>;

// Measures matmul throughput, the MLE and CPO training steps and AN sampling. Takes about
// 90 s on 2 cores (a third of it the naive, cache-less sampling).
BenchReport runBench(const BenchOptions& options, const BenchProgress& progress = {});

// Seconds per call of fn, averaged over `repeats` after one warm-up call. fn must leave its
// result synchronised (e.g. call .item()) so that GPU work is inside the timing.
double secondsPerCall(const std::function<void()>& fn, int repeats);

} // namespace cpo::perf
