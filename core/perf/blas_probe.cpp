#include "perf/blas_probe.h"

#include <torch/torch.h>

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

} // namespace

BlasInfo probeBlas()
{
    // A small matmul makes sure the BLAS is loaded even if it is opened lazily.
    const auto a = torch::ones({64, 64});
    (void)a.mm(a);

    BlasInfo found{"unknown", {}};
    for (const auto& path : loadedLibraries()) {
        const std::string real = resolved(path);
        const auto has = [&](const char* word) { return real.find(word) != std::string::npos; };
        if (has("openblas"))
            return {"openblas", real};
        if (has("libmkl"))
            return {"mkl", real};
        if (has("blis"))
            return {"blis", real};
        if (has("/blas/libblas.so") || has("libblas.so"))
            found = {"reference", real};
    }
    return found;
}

std::string referenceBlasWarning(const BlasInfo& info)
{
    return "LibTorch is using the reference BLAS (" + info.library +
           "), about 30x slower than OpenBLAS: install it with "
           "`sudo apt-get install libopenblas0-pthread`";
}

} // namespace cpo::perf
