#pragma once

#include <torch/torch.h>

#include <optional>

namespace cpo::perf {

// The peak memory of one stretch of work: construct it, do the work, read the peaks. Linux
// keeps a process's peak resident size (VmHWM); "5" written to /proc/self/clear_refs resets
// it to the current size, so the peak read afterwards is this stretch's alone (the process's
// resident memory before it included: the model, the optimiser's state, the libraries). On a
// CUDA device the caching allocator's peak of allocated bytes is reset and read the same way.
class PeakMemoryWindow {
public:
    explicit PeakMemoryWindow(torch::Device device);

    // Megabytes (2^20 bytes); nullopt when the kernel does not report it.
    std::optional<double> peakRssMb() const;
    // Gigabytes (2^30 bytes) on a CUDA device of a CUDA build; nullopt otherwise.
    std::optional<double> cudaPeakGb() const;

private:
    torch::Device m_device;
};

} // namespace cpo::perf
