#include "model/device.h"

#include "util/error.h"

#include <algorithm>
#include <cctype>

namespace cpo::model {
namespace {

constexpr std::string_view kCudaPrefix = "cuda:";

bool isCudaSpec(const std::string& spec)
{
    if (spec == "cuda")
        return true;
    if (!spec.starts_with(kCudaPrefix) || spec.size() == kCudaPrefix.size() ||
        spec.size() > kCudaPrefix.size() + 3)
        return false;
    return std::all_of(spec.begin() + kCudaPrefix.size(), spec.end(),
                       [](unsigned char c) { return std::isdigit(c) != 0; });
}

} // namespace

torch::Device parseDevice(const std::string& spec, std::string_view source)
{
    const auto where = std::string(source) + " '" + spec + "': ";
    if (spec == "auto")
        return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
    if (spec == "cpu")
        return torch::kCPU;
    if (!isCudaSpec(spec))
        throw Error(where + "is not one of: cpu, cuda, cuda:N, auto");
    if (!torch::cuda::is_available())
        throw Error(where + "CUDA is not available (this LibTorch is a CPU build or no GPU is "
                            "visible); use cpu or auto there, or build against a CUDA LibTorch "
                            "(README: \"Running on a GPU server or cluster\")");
    const torch::Device device(spec);
    const auto visible = torch::cuda::device_count();
    if (device.has_index() && static_cast<std::size_t>(device.index()) >= visible)
        throw Error(where + "only " + std::to_string(visible) +
                    " CUDA device(s) visible (cuda:0 to cuda:" + std::to_string(visible - 1) +
                    ")");
    return device;
}

torch::Tensor toDevice(const torch::Tensor& tensor, torch::Device device)
{
    if (!device.is_cuda() || !tensor.is_cpu())
        return tensor.to(device);
    return tensor.pin_memory().to(device, tensor.scalar_type(), /*non_blocking=*/true);
}

} // namespace cpo::model
