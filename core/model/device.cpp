#include "model/device.h"

#include "util/error.h"

namespace cpo::model {

torch::Device parseDevice(const std::string& spec)
{
    if (spec == "auto")
        return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
    if (spec == "cpu")
        return torch::kCPU;
    if (spec == "cuda" || spec.rfind("cuda:", 0) == 0) {
        if (!torch::cuda::is_available())
            throw Error("device '" + spec + "': CUDA is not available (this LibTorch is a "
                        "CPU build or no GPU is visible); use --device cpu, or build against a "
                        "CUDA LibTorch via CMAKE_PREFIX_PATH");
        torch::Device device(spec);
        if (device.has_index() && static_cast<std::size_t>(device.index()) >= torch::cuda::device_count())
            throw Error("device '" + spec + "': only " +
                        std::to_string(torch::cuda::device_count()) + " CUDA device(s) visible");
        return device;
    }
    throw Error("device '" + spec + "' is not one of: cpu, cuda, cuda:N, auto");
}

} // namespace cpo::model
