#include "perf/bench.h"

#include "eval/generate.h"
#include "model/causal_lm.h"
#include "perf/blas_probe.h"
#include "train/cpo/candidate_batch.h"
#include "train/cpo/candidate_scoring.h"
#include "train/cpo/cpo_loss.h"

#include <chrono>
#include <vector>

namespace cpo::perf {
namespace {

constexpr std::int64_t kBatch = 8;
constexpr std::int64_t kSequence = 128;
constexpr std::int64_t kMatmulSize = 1024;
// The CPO step and AN sampling: prompt + continuation = the model's 128 positions.
constexpr std::int64_t kCpoK = 4;
constexpr std::int64_t kPromptTokens = 64;
constexpr std::int64_t kContinuationTokens = 64;
constexpr double kCpoBeta = 5.0;

model::ModelConfig benchModelConfig()
{
    model::ModelConfig config;
    config.arch = model::Architecture::Gpt2;
    config.vocabSize = 4096;
    config.hiddenSize = 256;
    config.numLayers = 4;
    config.numHeads = 4;
    config.numKeyValueHeads = 4;
    config.intermediateSize = 4 * 256;
    config.maxPositions = kSequence;
    return config;
}

double measureMatmulGflops(const torch::Device& device)
{
    const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(device);
    const auto a = torch::randn({kMatmulSize, kMatmulSize}, options);
    const auto b = torch::randn({kMatmulSize, kMatmulSize}, options);
    const int repeats = device.is_cuda() ? 50 : 8;
    const double seconds = secondsPerCall([&] { (void)a.mm(b).sum().item<float>(); }, repeats);
    const double flops = 2.0 * kMatmulSize * kMatmulSize * kMatmulSize;
    return flops / seconds / 1e9;
}

std::vector<std::int32_t> randomTokens(std::int64_t count)
{
    const auto ids = torch::randint(0, 4096, {count}, torch::kInt64);
    return {ids.data_ptr<std::int64_t>(), ids.data_ptr<std::int64_t>() + count};
}

// Milliseconds per CPO step. Shared: the engine's own step (train::CandidateBatch): each
// prompt encoded once for its K candidates, π_ref computed in the step for the negatives
// and y1's read from the per-example cache (filled by the warm-up step, as by the first
// epoch of a run). Naive: K full sequences through π_θ and π_ref, nothing shared or cached.
double cpoStepMs(const BenchOptions& options, bool shared)
{
    auto policy = model::createModel(benchModelConfig());
    policy->to(options.device);
    policy->train();
    auto reference = model::cloneModel(*policy);
    reference->eval();
    torch::optim::AdamW optimizer(policy->parameters(), torch::optim::AdamWOptions(1e-4));
    std::vector<data::TokenizedExample> examples(kBatch);
    train::negatives::SampleResult given;
    for (std::int64_t b = 0; b < kBatch; ++b) {
        auto& example = examples[static_cast<std::size_t>(b)];
        example.prefix = randomTokens(kPromptTokens);
        example.continuation = randomTokens(kContinuationTokens);
        example.hash = static_cast<std::uint64_t>(b);
        auto& negatives = given.negatives.emplace_back();
        for (std::int64_t k = 1; k < kCpoK; ++k)
            negatives.push_back({randomTokens(kContinuationTokens),
                                 train::negatives::Strategy::Bn, {}});
    }
    const auto candidates = train::assembleCandidates(examples, given, train::ReferenceCache());
    train::ReferenceCache cache;
    const auto step = [&] {
        optimizer.zero_grad();
        torch::Tensor rewards;
        if (shared) {
            const auto referenceSums = train::referenceLogProbs(*reference, candidates,
                                                                examples, cache, options.device)
                                           .sums();
            rewards = train::scoreSharedPrompts(*policy, candidates.request()).sums() -
                      referenceSums;
        } else {
            torch::Tensor referenceSums;
            {
                torch::NoGradGuard noGrad;
                referenceSums = train::scoreFullSequences(*reference, candidates.request()).sums();
            }
            rewards = train::scoreFullSequences(*policy, candidates.request()).sums() -
                      referenceSums;
        }
        const auto loss = train::contrastiveLoss(rewards.view({kBatch, kCpoK}), kCpoBeta).mean();
        loss.backward();
        optimizer.step();
        (void)loss.item<float>();
    };
    for (int i = 1; i < options.warmupSteps; ++i)
        step(); // secondsPerCall does one more warm-up call itself
    return secondsPerCall(step, options.timedSteps) * 1e3;
}

// Tokens per second of AN sampling (from a fresh bench model), with or without the KV cache.
double anTokensPerS(const BenchOptions& options, bool useKvCache)
{
    auto model = model::createModel(benchModelConfig());
    model->to(options.device);
    std::vector<std::vector<std::int32_t>> prompts;
    for (std::int64_t b = 0; b < kBatch; ++b) {
        const auto prompt = randomTokens(kPromptTokens);
        for (std::int64_t k = 1; k < kCpoK; ++k)
            prompts.push_back(prompt);
    }
    eval::GenerateOptions generate;
    generate.maxNewTokens = kContinuationTokens; // no EOS: every row runs the full length
    generate.seed = options.seed;
    generate.useKvCache = useKvCache;
    std::int64_t tokens = 0;
    const auto run = [&] {
        tokens = 0;
        for (const auto& sequence : eval::generate(*model, prompts, generate))
            tokens += static_cast<std::int64_t>(sequence.tokens.size());
    };
    // Without the cache one call takes seconds on a CPU: a single timed call is enough.
    const double seconds = secondsPerCall(run, useKvCache ? options.timedSteps : 1);
    return static_cast<double>(tokens) / seconds;
}

} // namespace

double secondsPerCall(const std::function<void()>& fn, int repeats)
{
    fn();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < repeats; ++i)
        fn();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    return elapsed.count() / repeats;
}

nlohmann::json BenchReport::toJson() const
{
    return {{"device", device},           {"blas", blas},
            {"threads", threads},         {"params", params},
            {"mle_step_ms", mleStepMs},   {"mle_tokens_per_s", mleTokensPerS},
            {"matmul_gflops", matmulGflops}, {"mfu", mfu},
            {"cpo_step_ms", cpoStepMs},   {"cpo_step_naive_ms", cpoStepNaiveMs},
            {"an_tokens_per_s", anTokensPerS}, {"an_naive_tokens_per_s", anNaiveTokensPerS}};
}

BenchReport runBench(const BenchOptions& options, const BenchProgress& progress)
{
    const auto report = [&](const std::string& stage) {
        if (progress)
            progress(stage);
    };
    torch::manual_seed(options.seed);
    BenchReport result;
    result.device = options.device.str();
    result.blas = options.device.is_cuda() ? "cublas" : probeBlas().name;
    result.threads = torch::get_num_threads();

    report("matmul 1024^3 fp32");
    result.matmulGflops = measureMatmulGflops(options.device);

    report("MLE step (GPT-2 d256 x 4 layers, batch 8 x 128)");
    auto model = model::createModel(benchModelConfig());
    model->to(options.device);
    model->train();
    result.params = model::countParameters(*model);
    torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(1e-4));
    const auto tokens = torch::randint(
        0, 4096, {kBatch, kSequence},
        torch::TensorOptions().dtype(torch::kInt64).device(options.device));
    const auto step = [&] {
        optimizer.zero_grad();
        const auto logits = model->forward(tokens).logits;
        const auto loss = torch::nn::functional::cross_entropy(
            logits.slice(1, 0, kSequence - 1).reshape({-1, logits.size(-1)}),
            tokens.slice(1, 1).reshape({-1}));
        loss.backward();
        optimizer.step();
        (void)loss.item<float>();
    };
    for (int i = 1; i < options.warmupSteps; ++i)
        step(); // secondsPerCall does one more warm-up call itself
    const double seconds = secondsPerCall(step, options.timedSteps);
    result.mleStepMs = seconds * 1e3;
    result.mleTokensPerS = static_cast<double>(kBatch * kSequence) / seconds;
    result.mfu = 6.0 * static_cast<double>(result.params) * result.mleTokensPerS /
                 (result.matmulGflops * 1e9);

    report("CPO step (batch 8, K 4, prompt 64 + continuation 64), prompt shared");
    result.cpoStepMs = cpoStepMs(options, true);
    report("CPO step, naive (K full sequences)");
    result.cpoStepNaiveMs = cpoStepMs(options, false);
    report("AN sampling (8 prompts x 3 continuations x 64 tokens), KV cache");
    result.anTokensPerS = anTokensPerS(options, true);
    report("AN sampling, naive (no KV cache)");
    result.anNaiveTokensPerS = anTokensPerS(options, false);
    return result;
}

} // namespace cpo::perf
