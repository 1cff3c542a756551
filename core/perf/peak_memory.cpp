#include "perf/peak_memory.h"

#include <fstream>
#include <string>

#ifdef CPO_TORCH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace cpo::perf {
namespace {

// VmHWM from /proc/self/status, in kB.
std::optional<double> peakResidentKb()
{
    std::ifstream status("/proc/self/status");
    std::string key;
    while (status >> key) {
        if (key == "VmHWM:") {
            double kb = 0;
            if (status >> kb)
                return kb;
            return std::nullopt;
        }
        status.ignore(1 << 12, '\n');
    }
    return std::nullopt;
}

} // namespace

PeakMemoryWindow::PeakMemoryWindow(torch::Device device) : m_device(device)
{
    std::ofstream("/proc/self/clear_refs") << "5";
#ifdef CPO_TORCH_CUDA
    if (m_device.is_cuda())
        c10::cuda::CUDACachingAllocator::resetPeakStats(m_device.index() < 0 ? 0
                                                                             : m_device.index());
#endif
}

std::optional<double> PeakMemoryWindow::peakRssMb() const
{
    const auto kb = peakResidentKb();
    return kb ? std::optional<double>(*kb / 1024.0) : std::nullopt;
}

std::optional<double> PeakMemoryWindow::cudaPeakGb() const
{
#ifdef CPO_TORCH_CUDA
    if (m_device.is_cuda()) {
        const auto index = m_device.index() < 0 ? 0 : m_device.index();
        const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index);
        // Entry 0 is StatType::AGGREGATE (every pool), whose namespace moved in LibTorch 2.
        const auto& allocated = stats.allocated_bytes[0];
        return static_cast<double>(allocated.peak) / static_cast<double>(1ULL << 30);
    }
#endif
    return std::nullopt;
}

} // namespace cpo::perf
