#include "perf/peak_memory.h"

#include "model/cuda_peak_memory.h"

#include <fstream>
#include <string>

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
    model::resetCudaPeakMemory(m_device);
}

std::optional<double> PeakMemoryWindow::peakRssMb() const
{
    const auto kb = peakResidentKb();
    return kb ? std::optional<double>(*kb / 1024.0) : std::nullopt;
}

std::optional<double> PeakMemoryWindow::cudaPeakGb() const
{
    return model::cudaPeakMemoryGb(m_device);
}

} // namespace cpo::perf
