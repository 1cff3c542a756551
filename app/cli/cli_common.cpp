#include "cli_common.h"
#include "number_checks.h"

#include "perf/blas_probe.h"
#include "util/blas_threads.h"
#include "util/error.h"
#include "util/log.h"

#include <torch/torch.h>

#include <iostream>

namespace cpo::cli {

void addCommonOptions(CLI::App& command, CommonOptions& options)
{
    command.add_flag("--json", options.json, "Print one JSON document on stdout (logs: stderr)");
    command.add_option("--log-level", options.logLevel, "trace, debug, info, warn, error or off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
    command.add_option("--threads", options.threads,
                       "Threads of LibTorch and of OpenBLAS (default: their own choice; "
                       "`cpo bench --threads N` shows what is fastest here)")
        ->check(nonNegativeNumber());
}

void applyCommonOptions(const CommonOptions& options)
{
    log::setLevel(spdlog::level::from_str(options.logLevel));
    if (options.threads > 0) {
        torch::set_num_threads(options.threads);
        setBlasThreads(options.threads);
    }
}

void printJson(const nlohmann::json& document)
{
    std::cout << document.dump() << std::endl;
}

void warnIfReferenceBlas()
{
    const auto blas = perf::probeBlas();
    if (blas.isReference())
        log::get("cpo")->warn("{}", perf::referenceBlasWarning(blas));
}

} // namespace cpo::cli
