#pragma once

#include "model/model_config.h"
#include "model/precision.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cpo::perf {

// The figures `cpo bench` can measure; `--only` picks some (compare.sh times one at a time).
enum class BenchStage { Matmul, Mle, Cpo, CpoNaive, An, AnNaive };

// "matmul", "mle", "cpo", "cpo-naive", "an", "an-naive", in that order.
const std::vector<std::string>& benchStageNames();
std::optional<BenchStage> parseBenchStage(const std::string& name);

// The model and batch a bench measures (GPT-2 architecture, fp32 weights, AdamW). `small`, the
// default and the README's figures, fits a laptop; `gpu` is GPT-2 medium (d1024, 24 layers,
// 16 heads, vocabulary 50257) on 8 x 1024 tokens with an 8192^3 matmul roof, for a large GPU.
// The CPO steps split `sequence` into prompt and continuation halves.
struct BenchShape {
    std::string name = "small";
    std::int64_t vocab = 4096;
    std::int64_t hidden = 256;
    std::int64_t layers = 4;
    std::int64_t heads = 4;
    std::int64_t batch = 8;
    std::int64_t sequence = 128;
    std::int64_t matmul = 1024;
};

// "small", "gpu".
const std::vector<std::string>& benchShapeNames();
std::optional<BenchShape> benchShape(const std::string& name);
// The GPT-2 the benchmarks measure at `shape`.
model::ModelConfig benchModelConfig(const BenchShape& shape);

struct BenchOptions {
    torch::Device device = torch::kCPU;
    // Bf16: the matmul roof in bf16, the MLE and CPO steps' forwards under bf16 autocast (fp32
    // weights and AdamW, losses in fp32: as a run with "precision": "bf16"); sampling stays fp32.
    model::Precision precision = model::Precision::Fp32;
    int warmupSteps = 2;
    int timedSteps = 8;
    std::uint64_t seed = 1234;
    BenchShape shape;
    std::set<BenchStage> stages = {BenchStage::Matmul, BenchStage::Mle,     BenchStage::Cpo,
                                   BenchStage::CpoNaive, BenchStage::An, BenchStage::AnNaive};
};

// One stage's measured calls: their peak memory (perf::PeakMemoryWindow) and the process's
// CPU time per call (user + system, every thread), which a loaded machine inflates far less
// than the wall time.
struct StageCost {
    std::optional<double> rssMb;     // the process's peak resident memory, MiB
    std::optional<double> cudaGb;    // the CUDA allocator's peak, GiB (CUDA devices only)
    double cpuMs = 0;
};

// Figures for the fixed bench configuration (see the README): a GPT-2 of vocabulary 4096,
// d_model 256, 4 layers, 4 heads, 128 positions, trained on batches of 8 x 128 random tokens
// with AdamW (lr 1e-4), fp32 (or bf16 autocast: BenchOptions::precision), next-token loss
// over all positions. A figure is empty when its stage was not measured.
struct BenchReport {
    std::string device;
    std::string shape;                // BenchShape::name
    std::string precision;            // "fp32" | "bf16"
    std::string blas;
    std::string blasCore;             // OpenBLAS's kernel set, e.g. "SkylakeX"
    int threads = 0;                  // LibTorch's intra-op threads for the training stages
    int blasThreads = -1;             // OpenBLAS's threads for them; -1: another BLAS
    std::int64_t params = 0;          // every trainable parameter, tied LM head counted once
    // The roof: a 1024^3 matmul in the precision's type (fp32 or bf16), the fastest call over
    // OpenBLAS thread counts 1..cores (matmulBlasThreads: the count that reached it).
    std::optional<double> matmulGflops;
    int matmulBlasThreads = -1;
    std::optional<double> mleStepMs;
    std::optional<double> mleTokensPerS;
    std::optional<double> mfu;        // 6 * params * tokens/s / roof FLOP/s
    // One CPO step on the same model: batch 8, K 4 (y1 + 3 random-token negatives), prompt 64
    // + continuation 64, π_ref log-probs computed in the step, backward, AdamW. The engine's
    // way (prompt shared, y1's π_ref from the per-example cache) and the straightforward one
    // (K full sequences, π_ref recomputed, nothing shared).
    std::optional<double> cpoStepMs;
    std::optional<double> cpoStepNaiveMs;
    // AN sampling: 3 continuations x 64 tokens for each of 8 prompts of 64 tokens,
    // temperature 1, with the KV cache and without.
    std::optional<double> anTokensPerS;
    std::optional<double> anNaiveTokensPerS;
    // Per measured stage, by its JSON name ("mle_step", "cpo_step", ...).
    std::vector<std::pair<std::string, StageCost>> costs;

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
