#include "perf/bench.h"

#include "model/causal_lm.h"
#include "perf/blas_probe.h"

#include <chrono>

namespace cpo::perf {
namespace {

constexpr std::int64_t kBatch = 8;
constexpr std::int64_t kSequence = 128;
constexpr std::int64_t kMatmulSize = 1024;

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
            {"matmul_gflops", matmulGflops}, {"mfu", mfu}};
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
    return result;
}

} // namespace cpo::perf
