#include "model/cuda_peak_memory.h"

// Defined for a CUDA LibTorch (core/CMakeLists.txt), whose c10_cuda keeps the statistics.
#ifdef CPO_TORCH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace cpo::model {

void resetCudaPeakMemory([[maybe_unused]] torch::Device device)
{
#ifdef CPO_TORCH_CUDA
    if (device.is_cuda())
        c10::cuda::CUDACachingAllocator::resetPeakStats(device.index() < 0 ? 0 : device.index());
#endif
}

std::optional<double> cudaPeakMemoryGb([[maybe_unused]] torch::Device device)
{
#ifdef CPO_TORCH_CUDA
    if (device.is_cuda()) {
        const auto index = device.index() < 0 ? 0 : device.index();
        const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index);
        // Entry 0 is StatType::AGGREGATE (every pool), whose namespace moved in LibTorch 2.
        const auto& allocated = stats.allocated_bytes[0];
        return static_cast<double>(allocated.peak) / static_cast<double>(1ULL << 30);
    }
#endif
    return std::nullopt;
}

} // namespace cpo::model
