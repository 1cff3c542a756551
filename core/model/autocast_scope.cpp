#include "model/autocast_scope.h"

#include "model/causal_lm.h"
#include "util/error.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <string>

namespace cpo::model {
namespace {

// LibTorch 2.4 replaced the per-device functions (set_cpu_enabled, set_autocast_gpu_dtype, ...)
// with ones that take the device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define CPO_AUTOCAST_BY_DEVICE_TYPE 1
#endif

void requireSupported(torch::DeviceType type)
{
    if (type != torch::kCPU && type != torch::kCUDA)
        throw Error("autocast (precision \"bf16\") is available on cpu and cuda only, not on " +
                    c10::DeviceTypeName(type, /*lower_case=*/true));
}

void setAutocastState(torch::DeviceType type, AutocastState state)
{
#ifdef CPO_AUTOCAST_BY_DEVICE_TYPE
    at::autocast::set_autocast_enabled(type, state.enabled);
    at::autocast::set_autocast_dtype(type, state.dtype);
#else
    if (type == torch::kCUDA) {
        at::autocast::set_enabled(state.enabled);
        at::autocast::set_autocast_gpu_dtype(state.dtype);
    } else {
        at::autocast::set_cpu_enabled(state.enabled);
        at::autocast::set_autocast_cpu_dtype(state.dtype);
    }
#endif
}

} // namespace

AutocastState autocastState(torch::DeviceType type)
{
    requireSupported(type);
#ifdef CPO_AUTOCAST_BY_DEVICE_TYPE
    return {at::autocast::is_autocast_enabled(type), at::autocast::get_autocast_dtype(type)};
#else
    if (type == torch::kCUDA)
        return {at::autocast::is_enabled(), at::autocast::get_autocast_gpu_dtype()};
    return {at::autocast::is_cpu_enabled(), at::autocast::get_autocast_cpu_dtype()};
#endif
}

AutocastScope::AutocastScope(torch::DeviceType deviceType, AutocastState state)
    : m_deviceType(deviceType)
{
    enter(state);
}

AutocastScope::AutocastScope(const CausalLMImpl& model)
{
    if (model.precision() != Precision::Bf16)
        return;
    const auto parameters = model.parameters();
    m_deviceType = parameters.empty() ? torch::kCPU : parameters.front().device().type();
    enter({true, torch::kBFloat16});
}

void AutocastScope::enter(AutocastState state)
{
    m_previous = autocastState(m_deviceType); // checks the device type
    at::autocast::increment_nesting();
    setAutocastState(m_deviceType, state);
}

AutocastScope::~AutocastScope()
{
    if (!m_previous)
        return;
    if (at::autocast::decrement_nesting() == 0)
        at::autocast::clear_cache();
    setAutocastState(m_deviceType, *m_previous);
}

} // namespace cpo::model
