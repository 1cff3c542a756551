#include "cli_common.h"
#include "number_checks.h"

#include "model/device.h"
#include "perf/bench.h"
#include "perf/blas_probe.h"
#include "util/log.h"

#include <iostream>
#include <memory>

namespace cpo::cli {
namespace {

struct BenchCliOptions {
    CommonOptions common;
    std::string device = "cpu";
    int steps = 8;
};

void printHuman(const perf::BenchReport& report)
{
    std::cout << "device " << report.device << ", BLAS " << report.blas << ", "
              << report.threads << " intra-op thread(s)\n"
              << "matmul 1024^3 fp32:   " << report.matmulGflops << " GFLOP/s\n"
              << "MLE step (" << report.params << " params, 8 x 128 tokens): "
              << report.mleStepMs << " ms = " << report.mleTokensPerS << " tokens/s\n"
              << "MFU (6 * params * tokens/s / matmul FLOP/s): " << report.mfu << '\n'
              << "CPO step (8 x K 4, 64 + 64 tokens): " << report.cpoStepMs
              << " ms prompt-shared, " << report.cpoStepNaiveMs << " ms naive ("
              << report.cpoStepMs / report.cpoStepNaiveMs << "x)\n"
              << "AN sampling (8 x 3 x 64 tokens): " << report.anTokensPerS
              << " tokens/s with KV cache, " << report.anNaiveTokensPerS << " without ("
              << report.anTokensPerS / report.anNaiveTokensPerS << "x)\n";
}

int runBench(const BenchCliOptions& options)
{
    applyCommonOptions(options.common);
    const auto device = model::parseDevice(options.device);
    if (!device.is_cuda()) {
        const auto blas = perf::probeBlas();
        if (blas.isReference())
            log::get("bench")->error("*** {} ***", perf::referenceBlasWarning(blas));
    }
    perf::BenchOptions benchOptions;
    benchOptions.device = device;
    benchOptions.timedSteps = options.steps;
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
    command->add_option("--device", options->device, "cpu, cuda, cuda:N or auto")
        ->capture_default_str();
    command->add_option("--steps", options->steps, "Timed training steps")
        ->capture_default_str()
        ->check(positiveNumber());
    addCommonOptions(*command, options->common);
    command->callback([options, &action] { action = [options] { return runBench(*options); }; });
}

} // namespace cpo::cli
