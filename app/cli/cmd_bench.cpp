#include "cli_common.h"
#include "device_option.h"
#include "number_checks.h"

#include "model/device.h"
#include "model/precision.h"
#include "perf/bench.h"
#include "perf/blas_probe.h"
#include "util/log.h"

#include <iostream>
#include <memory>
#include <optional>

namespace cpo::cli {
namespace {

struct BenchCliOptions {
    CommonOptions common;
    std::string device = "cpu";
    std::string shape = "small";
    std::string precision = "fp32";
    int steps = 8;
    std::vector<std::string> only;
};

std::string figure(const std::optional<double>& value)
{
    return value ? std::to_string(*value) : "-";
}

void printHuman(const perf::BenchReport& report)
{
    std::cout << "device " << report.device << ", shape " << report.shape << ", "
              << report.precision << ", BLAS " << report.blas << ' ' << report.blasCore << ", "
              << report.threads << " intra-op thread(s), BLAS " << report.blasThreads << "\n";
    if (report.matmulGflops)
        std::cout << "matmul " << report.precision << " (roof): " << *report.matmulGflops
                  << " GFLOP/s at " << report.matmulBlasThreads << " BLAS thread(s)\n";
    if (report.mleStepMs)
        std::cout << "MLE step (" << report.params << " params): "
                  << *report.mleStepMs << " ms = " << *report.mleTokensPerS << " tokens/s\n"
                  << "MFU (6 * params * tokens/s / roof FLOP/s): " << figure(report.mfu)
                  << '\n';
    if (report.cpoStepMs || report.cpoStepNaiveMs)
        std::cout << "CPO step (K 4, prompt + continuation halves): " << figure(report.cpoStepMs)
                  << " ms prompt-shared, " << figure(report.cpoStepNaiveMs) << " ms naive\n";
    if (report.anTokensPerS || report.anNaiveTokensPerS)
        std::cout << "AN sampling (3 continuations per prompt): " << figure(report.anTokensPerS)
                  << " tokens/s with KV cache, " << figure(report.anNaiveTokensPerS)
                  << " without\n";
    for (const auto& [stage, peak] : report.costs)
        std::cout << "peak memory, " << stage << ": " << figure(peak.rssMb) << " MiB resident"
                  << (peak.cudaGb ? ", " + figure(peak.cudaGb) + " GiB CUDA" : "") << '\n';
}

int runBench(const BenchCliOptions& options)
{
    applyCommonOptions(options.common);
    const auto device = model::parseDevice(options.device, "--device");
    if (!device.is_cuda()) {
        const auto blas = perf::probeBlas();
        if (blas.isReference())
            log::get("bench")->error("*** {} ***", perf::referenceBlasWarning(blas));
        if (blas.genericKernels())
            log::get("bench")->warn("{}", perf::genericKernelsWarning(blas));
    }
    perf::BenchOptions benchOptions;
    benchOptions.device = device;
    benchOptions.timedSteps = options.steps;
    benchOptions.shape = *perf::benchShape(options.shape);
    benchOptions.precision = *model::parsePrecision(options.precision);
    if (!options.only.empty()) {
        benchOptions.stages.clear();
        for (const auto& name : options.only)
            benchOptions.stages.insert(*perf::parseBenchStage(name));
    }
    const auto report = perf::runBench(benchOptions, [](const std::string& stage) {
        log::get("bench")->info("measuring {}", stage);
    });
    if (options.common.json)
        printJson(report.toJson());
    else
        printHuman(report);
    return 0;
}

} // namespace

void addBenchCommand(CLI::App& app, Action& action)
{
    auto options = std::make_shared<BenchCliOptions>();
    auto* command = app.add_subcommand(
        "bench", "Measure matmul throughput, MLE and CPO training speed, AN sampling and MFU");
    addDeviceOption(*command, options->device, "cpu");
    command->add_option("--shape", options->shape,
                        "small: GPT-2 d256 x 4 layers on 8 x 128 tokens (the README's figures); "
                        "gpu: GPT-2 medium (d1024 x 24 layers) on 8 x 1024 tokens, for a large "
                        "GPU")
        ->capture_default_str()
        ->check(CLI::IsMember(perf::benchShapeNames()));
    command->add_option("--precision", options->precision,
                        "bf16: the matmul roof in bf16 and the training steps' forwards under "
                        "bf16 autocast (fp32 weights and AdamW), as an experiment's "
                        "\"precision\": \"bf16\"; meant for CUDA")
        ->capture_default_str()
        ->check(CLI::IsMember(std::vector<std::string>(model::kPrecisionNames.begin(),
                                                       model::kPrecisionNames.end())));
    command->add_option("--steps", options->steps, "Timed training steps")
        ->capture_default_str()
        ->check(positiveNumber());
    command->add_option("--only", options->only, "Measure only these figures (all by default)")
        ->delimiter(',')
        ->check(CLI::IsMember(perf::benchStageNames()));
    addCommonOptions(*command, options->common);
    command->callback([options, &action] { action = [options] { return runBench(*options); }; });
}

} // namespace cpo::cli
