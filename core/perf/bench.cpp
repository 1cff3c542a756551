#include "perf/bench.h"

#include "eval/generate.h"
#include "model/autocast_scope.h"
#include "model/causal_lm.h"
#include "perf/blas_probe.h"
#include "perf/peak_memory.h"
#include "train/cpo/candidate_batch.h"
#include "train/cpo/candidate_scoring.h"
#include "train/cpo/cpo_loss.h"
#include "util/blas_threads.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

namespace cpo::perf {

model::ModelConfig benchModelConfig(const BenchShape& shape)
{
    model::ModelConfig config;
    config.arch = model::Architecture::Gpt2;
    config.vocabSize = shape.vocab;
    config.hiddenSize = shape.hidden;
    config.numLayers = shape.layers;
    config.numHeads = shape.heads;
    config.numKeyValueHeads = shape.heads;
    config.intermediateSize = 4 * shape.hidden;
    config.maxPositions = shape.sequence;
    return config;
}

namespace {

// The CPO step and AN sampling: prompt + continuation = the model's positions.
constexpr std::int64_t kCpoK = 4;
constexpr double kCpoBeta = 5.0;

std::int64_t promptTokens(const BenchShape& shape) { return shape.sequence / 2; }
std::int64_t continuationTokens(const BenchShape& shape)
{
    return shape.sequence - promptTokens(shape);
}

struct Timed {
    double seconds = 0;
    StageCost cost;
};

// User + system CPU seconds of the whole process so far.
double processCpuSeconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Like secondsPerCall, with the peak memory and CPU time of the timed calls (after the
// warm-up call).
Timed timeCalls(const std::function<void()>& fn, int repeats, torch::Device device)
{
    fn();
    const PeakMemoryWindow window(device);
    const double cpuStart = processCpuSeconds();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < repeats; ++i)
        fn();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    const double cpuMs = (processCpuSeconds() - cpuStart) * 1e3 / repeats;
    return {elapsed.count() / repeats, {window.peakRssMb(), window.cudaPeakGb(), cpuMs}};
}

struct Roof {
    double gflops = 0;
    int blasThreads = -1;
};

// The machine's matmul roof (fp32|bf16): the fastest 1024^3 product (a roof, not an average over
// whatever else the machine is doing), on a CPU at each OpenBLAS thread count from 1 to the
// cores (it is not always all of them: its threads may fight LibTorch's or other processes').
// After each switch of the thread count a few untimed calls let OpenBLAS's pool start and
// spin up; each count then gets at least `kRoofCalls` calls and `kRoofSeconds` of them, and
// the counts are swept twice, so that one slow moment (a pool still asleep, another process's
// burst) cannot set the roof. The thread count in force before is restored.
constexpr int kRoofWarmups = 3;
constexpr int kRoofCalls = 8;
constexpr double kRoofSeconds = 0.3;

Roof measureMatmulRoof(const torch::Device& device, std::int64_t size, model::Precision precision)
{
    const auto options =
        torch::TensorOptions()
            .dtype(precision == model::Precision::Bf16 ? torch::kBFloat16 : torch::kFloat32)
            .device(device);
    const auto a = torch::randn({size, size}, options);
    const auto b = torch::randn({size, size}, options);
    auto c = torch::empty({size, size}, options);
    const double flops = 2.0 * static_cast<double>(size) * static_cast<double>(size) *
                         static_cast<double>(size);
    const auto call = [&] {
        torch::mm_out(c, a, b);
        if (device.is_cuda())
            (void)c.sum().item<float>();
    };
    const auto fastest = [&](int minimumCalls) {
        for (int i = 0; i < kRoofWarmups; ++i)
            call();
        double best = 0;
        double spent = 0;
        for (int i = 0; i < minimumCalls || spent < kRoofSeconds; ++i) {
            const auto start = std::chrono::steady_clock::now();
            call();
            const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
            spent += took.count();
            best = std::max(best, flops / took.count() / 1e9);
        }
        return best;
    };
    if (device.is_cuda())
        return {fastest(50), -1};
    const int original = blasThreads();
    if (original < 0) // not OpenBLAS: its own settings
        return {fastest(kRoofCalls), -1};
    const int cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    std::vector<int> counts; // 1, 2, 4, ... and the cores
    for (int threads = 1; threads < cores; threads *= 2)
        counts.push_back(threads);
    counts.push_back(cores);
    Roof roof;
    for (int sweep = 0; sweep < 2; ++sweep) {
        for (const int threads : counts) {
            setBlasThreads(threads);
            const double gflops = fastest(kRoofCalls);
            if (gflops > roof.gflops)
                roof = {gflops, threads};
        }
    }
    setBlasThreads(original);
    return roof;
}

std::vector<std::int32_t> randomTokens(std::int64_t count, std::int64_t vocab)
{
    const auto ids = torch::randint(0, vocab, {count}, torch::kInt64);
    return {ids.data_ptr<std::int64_t>(), ids.data_ptr<std::int64_t>() + count};
}

// One CPO step. Shared: the engine's own step (train::CandidateBatch): each
// prompt encoded once for its K candidates, π_ref computed in the step for the negatives
// and y1's read from the per-example cache (filled by the warm-up step, as by the first
// epoch of a run). Naive: K full sequences through π_θ and π_ref, nothing shared or cached.
Timed cpoStep(const BenchOptions& options, bool shared)
{
    const auto& shape = options.shape;
    auto policy = model::createModel(benchModelConfig(shape));
    policy->to(options.device);
    policy->train();
    policy->setPrecision(options.precision);
    auto reference = model::cloneModel(*policy);
    reference->eval();
    torch::optim::AdamW optimizer(policy->parameters(), torch::optim::AdamWOptions(1e-4));
    std::vector<data::TokenizedExample> examples(static_cast<std::size_t>(shape.batch));
    train::negatives::SampleResult given;
    for (std::int64_t b = 0; b < shape.batch; ++b) {
        auto& example = examples[static_cast<std::size_t>(b)];
        example.prefix = randomTokens(promptTokens(shape), shape.vocab);
        example.continuation = randomTokens(continuationTokens(shape), shape.vocab);
        example.hash = static_cast<std::uint64_t>(b);
        auto& negatives = given.negatives.emplace_back();
        for (std::int64_t k = 1; k < kCpoK; ++k)
            negatives.push_back({randomTokens(continuationTokens(shape), shape.vocab),
                                 train::negatives::Strategy::Bn, {}});
    }
    train::ReferenceCache cache;
    const auto step = [&] {
        // Assembled each step, as the trainer does: y1's π_ref log-probs come from the cache
        // once the warm-up step has put them there.
        const auto candidates = train::assembleCandidates(examples, given, cache);
        optimizer.zero_grad();
        torch::Tensor rewards;
        if (shared) {
            torch::Tensor referenceSums;
            {
                const model::AutocastScope autocast(*reference);
                referenceSums = train::referenceLogProbs(*reference, candidates, examples, cache,
                                                         options.device)
                                    .sums();
            }
            const model::AutocastScope autocast(*policy);
            rewards = train::scoreSharedPrompts(*policy, candidates.request()).sums() -
                      referenceSums;
        } else {
            torch::Tensor referenceSums;
            {
                torch::NoGradGuard noGrad;
                const model::AutocastScope autocast(*reference);
                referenceSums = train::scoreFullSequences(*reference, candidates.request()).sums();
            }
            const model::AutocastScope autocast(*policy);
            rewards = train::scoreFullSequences(*policy, candidates.request()).sums() -
                      referenceSums;
        }
        const auto loss = train::contrastiveLoss(rewards.view({shape.batch, kCpoK}), kCpoBeta).mean();
        loss.backward();
        optimizer.step();
        (void)loss.item<float>();
    };
    for (int i = 1; i < options.warmupSteps; ++i)
        step(); // timeCalls does one more warm-up call itself
    return timeCalls(step, options.timedSteps, options.device);
}

// AN sampling (from a fresh bench model), with or without the KV cache; sampled tokens in
// `tokens`.
Timed anSampling(const BenchOptions& options, bool useKvCache, std::int64_t& tokens)
{
    const auto& shape = options.shape;
    auto model = model::createModel(benchModelConfig(shape));
    model->to(options.device);
    std::vector<std::vector<std::int32_t>> prompts;
    for (std::int64_t b = 0; b < shape.batch; ++b) {
        const auto prompt = randomTokens(promptTokens(shape), shape.vocab);
        for (std::int64_t k = 1; k < kCpoK; ++k)
            prompts.push_back(prompt);
    }
    eval::GenerateOptions generate;
    generate.maxNewTokens = continuationTokens(shape); // no EOS: every row runs the full length
    generate.seed = options.seed;
    generate.useKvCache = useKvCache;
    const auto run = [&] {
        tokens = 0;
        for (const auto& sequence : eval::generate(*model, prompts, generate))
            tokens += static_cast<std::int64_t>(sequence.tokens.size());
    };
    // Without the cache one call takes seconds on a CPU: a single timed call is enough.
    return timeCalls(run, useKvCache ? options.timedSteps : 1, options.device);
}

constexpr BenchStage kStages[] = {BenchStage::Matmul,   BenchStage::Mle, BenchStage::Cpo,
                                  BenchStage::CpoNaive, BenchStage::An,  BenchStage::AnNaive};

void putIf(nlohmann::json& out, const char* key, const std::optional<double>& value)
{
    if (value)
        out[key] = *value;
}

} // namespace

const std::vector<std::string>& benchStageNames()
{
    static const std::vector<std::string> names = {"matmul", "mle",     "cpo",
                                                   "cpo-naive", "an", "an-naive"};
    return names;
}

std::optional<BenchStage> parseBenchStage(const std::string& name)
{
    const auto& names = benchStageNames();
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end())
        return std::nullopt;
    return kStages[it - names.begin()];
}

const std::vector<std::string>& benchShapeNames()
{
    static const std::vector<std::string> names = {"small", "gpu"};
    return names;
}

std::optional<BenchShape> benchShape(const std::string& name)
{
    if (name == "small")
        return BenchShape{};
    if (name == "gpu")
        return BenchShape{"gpu", 50257, 1024, 24, 16, 8, 1024, 8192};
    return std::nullopt;
}

double secondsPerCall(const std::function<void()>& fn, int repeats)
{
    return timeCalls(fn, repeats, torch::kCPU).seconds;
}

nlohmann::json BenchReport::toJson() const
{
    nlohmann::json out = {{"device", device},   {"shape", shape},       {"blas", blas},
                          {"precision", precision},
                          {"blas_core", blasCore},
                          {"threads", threads}, {"blas_threads", blasThreads},
                          {"params", params}};
    putIf(out, "matmul_gflops", matmulGflops);
    if (matmulGflops)
        out["matmul_blas_threads"] = matmulBlasThreads;
    putIf(out, "mle_step_ms", mleStepMs);
    putIf(out, "mle_tokens_per_s", mleTokensPerS);
    putIf(out, "mfu", mfu);
    putIf(out, "cpo_step_ms", cpoStepMs);
    putIf(out, "cpo_step_naive_ms", cpoStepNaiveMs);
    putIf(out, "an_tokens_per_s", anTokensPerS);
    putIf(out, "an_naive_tokens_per_s", anNaiveTokensPerS);
    nlohmann::json rss = nlohmann::json::object();
    nlohmann::json cuda = nlohmann::json::object();
    nlohmann::json cpu = nlohmann::json::object();
    for (const auto& [stage, peak] : costs) {
        putIf(rss, stage.c_str(), peak.rssMb);
        putIf(cuda, stage.c_str(), peak.cudaGb);
        cpu[stage] = peak.cpuMs;
    }
    out["peak_rss_mb"] = rss;
    out["cpu_ms"] = cpu;
    if (!cuda.empty())
        out["cuda_peak_mem_gb"] = cuda;
    return out;
}

BenchReport runBench(const BenchOptions& options, const BenchProgress& progress)
{
    const auto report = [&](const std::string& stage) {
        if (progress)
            progress(stage);
    };
    const auto wanted = [&](BenchStage stage) { return options.stages.count(stage) > 0; };
    torch::manual_seed(options.seed);
    BenchReport result;
    const auto& shape = options.shape;
    const auto sizes = std::to_string(shape.batch) + " x " + std::to_string(shape.sequence);
    result.device = options.device.str();
    result.shape = shape.name;
    result.precision = std::string(model::toString(options.precision));
    if (options.device.is_cuda()) {
        result.blas = "cublas";
    } else {
        const auto blas = probeBlas();
        result.blas = blas.name;
        result.blasCore = blas.core;
    }
    result.threads = torch::get_num_threads();
    result.blasThreads = options.device.is_cuda() ? -1 : blasThreads();
    result.params = model::countParameters(*model::createModel(benchModelConfig(shape)));

    if (wanted(BenchStage::Matmul)) {
        report("matmul " + std::to_string(shape.matmul) + "^3 " + result.precision +
               ", the roof" + (options.device.is_cuda() ? "" : " over BLAS thread counts"));
        const auto roof = measureMatmulRoof(options.device, shape.matmul, options.precision);
        result.matmulGflops = roof.gflops;
        result.matmulBlasThreads = roof.blasThreads;
    }
    if (wanted(BenchStage::Mle)) {
        report("MLE step (GPT-2 d" + std::to_string(shape.hidden) + " x " +
               std::to_string(shape.layers) + " layers, batch " + sizes + ")");
        auto model = model::createModel(benchModelConfig(shape));
        model->to(options.device);
        model->train();
        model->setPrecision(options.precision);
        torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(1e-4));
        const auto tokens = torch::randint(
            0, shape.vocab, {shape.batch, shape.sequence},
            torch::TensorOptions().dtype(torch::kInt64).device(options.device));
        const auto step = [&] {
            optimizer.zero_grad();
            torch::Tensor loss;
            {
                const model::AutocastScope autocast(*model);
                const auto logits = model->forward(tokens).logits.to(torch::kFloat32);
                loss = torch::nn::functional::cross_entropy(
                    logits.slice(1, 0, shape.sequence - 1).reshape({-1, logits.size(-1)}),
                    tokens.slice(1, 1).reshape({-1}));
            }
            loss.backward();
            optimizer.step();
            (void)loss.item<float>();
        };
        for (int i = 1; i < options.warmupSteps; ++i)
            step(); // timeCalls does one more warm-up call itself
        const auto timed = timeCalls(step, options.timedSteps, options.device);
        result.mleStepMs = timed.seconds * 1e3;
        result.mleTokensPerS = static_cast<double>(shape.batch * shape.sequence) / timed.seconds;
        result.costs.emplace_back("mle_step", timed.cost);
        if (result.matmulGflops)
            result.mfu = 6.0 * static_cast<double>(result.params) * *result.mleTokensPerS /
                         (*result.matmulGflops * 1e9);
    }
    if (wanted(BenchStage::Cpo)) {
        report("CPO step (batch " + std::to_string(shape.batch) + ", K 4, prompt " +
               std::to_string(promptTokens(shape)) + " + continuation " +
               std::to_string(continuationTokens(shape)) + "), prompt shared");
        const auto timed = cpoStep(options, true);
        result.cpoStepMs = timed.seconds * 1e3;
        result.costs.emplace_back("cpo_step", timed.cost);
    }
    if (wanted(BenchStage::CpoNaive)) {
        report("CPO step, naive (K full sequences)");
        const auto timed = cpoStep(options, false);
        result.cpoStepNaiveMs = timed.seconds * 1e3;
        result.costs.emplace_back("cpo_step_naive", timed.cost);
    }
    for (const bool cached : {true, false}) {
        if (!wanted(cached ? BenchStage::An : BenchStage::AnNaive))
            continue;
        report(cached ? "AN sampling (" + std::to_string(shape.batch) + " prompts x 3 " +
                            "continuations x " + std::to_string(continuationTokens(shape)) +
                            " tokens), KV cache"
                      : std::string("AN sampling, naive (no KV cache)"));
        std::int64_t tokens = 0;
        const auto timed = anSampling(options, cached, tokens);
        (cached ? result.anTokensPerS : result.anNaiveTokensPerS) =
            static_cast<double>(tokens) / timed.seconds;
        result.costs.emplace_back(cached ? "an_sampling" : "an_sampling_naive", timed.cost);
    }
    return result;
}

} // namespace cpo::perf
