#pragma once

#include <torch/torch.h>

#include <optional>

// Autocast (automatic mixed precision) from C++: LibTorch has no torch.autocast context
// manager there, only the thread-local switches behind it, whose names changed in LibTorch 2.4.
namespace cpo::model {

class CausalLMImpl;

// Autocast for one device type, as this thread has it.
struct AutocastState {
    bool enabled = false;
    torch::ScalarType dtype = torch::kBFloat16; // the type autocast's matmuls run in
    friend bool operator==(const AutocastState&, const AutocastState&) = default;
};

// CPU and CUDA only (throws cpo::Error for another device type).
AutocastState autocastState(torch::DeviceType deviceType);

// Sets autocast for a device type on this thread and puts back what was there before when it
// ends. Like Python's torch.autocast it counts nesting and, when the outermost scope ends,
// clears autocast's cache of cast weights: a bf16 copy of a weight that the optimizer then
// changes in place must not be reused by the next step. Backward should run after the scope
// (autocast applies to forward ops; the graph remembers their dtypes).
class AutocastScope {
public:
    AutocastScope(torch::DeviceType deviceType, AutocastState state);
    // bf16 autocast on the device type of the model's parameters when its precision is Bf16
    // (CausalLMImpl::setPrecision); for an fp32 model it changes nothing.
    explicit AutocastScope(const CausalLMImpl& model);
    ~AutocastScope();

    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    void enter(AutocastState state);

    torch::DeviceType m_deviceType = torch::kCPU;
    std::optional<AutocastState> m_previous; // empty when the scope changed nothing
};

} // namespace cpo::model
