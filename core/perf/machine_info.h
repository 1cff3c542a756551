#pragma once

#include <string>

namespace cpo::perf {

// Where this process would train, for the app's status bar: the device, the BLAS behind
// LibTorch's CPU matmuls and the thread pools' sizes. No LibTorch in this header.
struct MachineInfo {
    std::string device;     // "CPU" or "CUDA (N devices)"
    std::string blas;       // as perf::probeBlas names it
    int torchThreads = 0;   // LibTorch's intra-op pool
    int blasThreads = -1;   // OpenBLAS' own pool; -1 when the BLAS is not OpenBLAS
};

// Forces one small matmul (probeBlas): call it off the GUI thread.
MachineInfo describeMachine();

} // namespace cpo::perf
