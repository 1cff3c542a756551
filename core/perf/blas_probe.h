#pragma once

#include <string>

namespace cpo::perf {

// Which BLAS LibTorch's CPU matmuls actually run on, found by looking at the shared objects
// loaded into this process (after forcing one matmul). Debian's LibTorch links the generic
// libblas.so.3, which the alternatives system points at OpenBLAS only when
// libopenblas0-pthread is installed; the reference BLAS is about 30x slower.
struct BlasInfo {
    std::string name;    // "openblas", "mkl", "blis", "reference", or "unknown"
    std::string library; // the resolved path of the loaded library, when found
    // OpenBLAS's kernel set for this CPU ("Haswell", "SkylakeX", "Prescott", ...); empty for
    // another BLAS.
    std::string core;
    bool isReference() const { return name == "reference"; }
    // OpenBLAS did not recognise the CPU (a model newer than the library, or one a virtual
    // machine hides) and fell back to its generic SSE3 kernels although the CPU has AVX2.
    bool genericKernels() const;
};

BlasInfo probeBlas();

// The one-line warning printed when LibTorch would use the reference BLAS, with the fix.
std::string referenceBlasWarning(const BlasInfo& info);

// The one-line warning printed when OpenBLAS runs its generic kernels, with the fix (the
// OPENBLAS_CORETYPE the CPU supports, read when the library loads: before the process starts).
std::string genericKernelsWarning(const BlasInfo& info);

} // namespace cpo::perf
