#include "perf/blas_probe.h"

#include <torch/torch.h>

#include <dlfcn.h>
#include <link.h>

#include <filesystem>
#include <vector>

namespace cpo::perf {
namespace {

std::vector<std::string> loadedLibraries()
{
    std::vector<std::string> paths;
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* out) {
            if (info->dlpi_name && *info->dlpi_name)
                static_cast<std::vector<std::string>*>(out)->emplace_back(info->dlpi_name);
            return 0;
        },
        &paths);
    return paths;
}

std::string resolved(const std::string& path)
{
    std::error_code error;
    const auto real = std::filesystem::canonical(path, error);
    return error ? path : real.string();
}

std::string openBlasCore()
{
    using CoreName = char* (*)();
    const auto get = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
    const char* name = get ? get() : nullptr;
    return name ? name : "";
}

// The kernel set OpenBLAS would pick for this CPU if it knew the model.
std::string bestCoreType()
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? "SkylakeX" : "Haswell";
}

} // namespace

bool BlasInfo::genericKernels() const
{
    __builtin_cpu_init();
    return name == "openblas" && core == "Prescott" && __builtin_cpu_supports("avx2") &&
           __builtin_cpu_supports("fma");
}

BlasInfo probeBlas()
{
    // A small matmul makes sure the BLAS is loaded even if it is opened lazily.
    const auto a = torch::ones({64, 64});
    (void)a.mm(a);

    BlasInfo found{"unknown", {}, {}};
    for (const auto& path : loadedLibraries()) {
        const std::string real = resolved(path);
        const auto has = [&](const char* word) { return real.find(word) != std::string::npos; };
        if (has("openblas"))
            return {"openblas", real, openBlasCore()};
        if (has("libmkl"))
            return {"mkl", real, {}};
        if (has("blis"))
            return {"blis", real, {}};
        if (has("/blas/libblas.so") || has("libblas.so"))
            found = {"reference", real, {}};
    }
    return found;
}

std::string referenceBlasWarning(const BlasInfo& info)
{
    return "LibTorch is using the reference BLAS (" + info.library +
           "), about 30x slower than OpenBLAS: install it with "
           "`sudo apt-get install libopenblas0-pthread`";
}

std::string genericKernelsWarning(const BlasInfo& info)
{
    const auto best = bestCoreType();
    return "OpenBLAS does not recognise this CPU and runs its generic " + info.core +
           " kernels, several times slower than its " + best + " ones: start the app with "
           "the environment variable OPENBLAS_CORETYPE=" + best;
}

} // namespace cpo::perf
