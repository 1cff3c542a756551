#include "perf/machine_info.h"

#include "perf/blas_probe.h"
#include "util/blas_threads.h"

#include <torch/torch.h>

namespace cpo::perf {

MachineInfo describeMachine()
{
    MachineInfo info;
    info.device = torch::cuda::is_available()
                      ? "CUDA (" + std::to_string(torch::cuda::device_count()) + " devices)"
                      : "CPU";
    info.blas = probeBlas().name;
    info.torchThreads = torch::get_num_threads();
    info.blasThreads = blasThreads();
    return info;
}

} // namespace cpo::perf
