#pragma once

#include <torch/torch.h>

#include <optional>

// The CUDA caching allocator's peak of allocated bytes on one device: reset it, do the work,
// read it (the peak of that stretch: the tensors live before it, such as the model and the
// optimizer's state, included). perf::PeakMemoryWindow and the trainers' step metrics both
// read it here.
namespace cpo::model {

// Does nothing off CUDA (a CPU device, or a CPU build of LibTorch).
void resetCudaPeakMemory(torch::Device device);

// Gigabytes (2^30 bytes) on a CUDA device of a CUDA build; nullopt otherwise.
std::optional<double> cudaPeakMemoryGb(torch::Device device);

} // namespace cpo::model
