#include "model/activation_checkpoint.h"

#include "model/autocast_scope.h"

#include <torch/csrc/autograd/custom_function.h>

namespace cpo::model {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// What backward needs besides the saved input: the block and its parameters, carried in the
// autograd context (which holds only IValues, hence the capsule).
struct Recompute : torch::CustomClassHolder {
    BlockFunction block;
    std::vector<torch::Tensor> parameters;
    // Autocast as the forward had it: backward usually runs outside the autocast scope, and
    // the recomputed block must run in the dtypes the forward did (as torch.utils.checkpoint).
    torch::DeviceType deviceType = torch::kCPU;
    AutocastState autocast;
};

struct CheckpointedBlock : torch::autograd::Function<CheckpointedBlock> {
    // Inputs as apply() numbers them: x, the capsule (no gradient), then each parameter.
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x,
                                 const c10::intrusive_ptr<Recompute>& recompute,
                                 at::TensorList parameters)
    {
        (void)parameters; // inputs only so that their gradients flow; the block holds them
        ctx->saved_data["recompute"] = c10::IValue::make_capsule(recompute);
        ctx->save_for_backward({x});
        return recompute->block(x); // apply() runs this with grad mode off: nothing kept
    }

    static variable_list backward(AutogradContext* ctx, variable_list gradOutputs)
    {
        const auto recompute =
            c10::static_intrusive_pointer_cast<Recompute>(ctx->saved_data["recompute"].toCapsule());
        const auto input = ctx->get_saved_variables()[0].detach().requires_grad_(true);
        torch::Tensor output;
        {
            torch::AutoGradMode enable(true);
            const AutocastScope autocast(recompute->deviceType, recompute->autocast);
            output = recompute->block(input);
        }
        // Differentiate with respect to x and the parameters that learn.
        variable_list wrt{input};
        std::vector<std::size_t> learning;
        for (std::size_t i = 0; i < recompute->parameters.size(); ++i)
            if (recompute->parameters[i].requires_grad()) {
                wrt.push_back(recompute->parameters[i]);
                learning.push_back(i);
            }
        const auto grads = torch::autograd::grad({output}, wrt, {gradOutputs[0]},
                                                 /*retain_graph=*/false,
                                                 /*create_graph=*/false, /*allow_unused=*/true);
        variable_list result(2 + recompute->parameters.size());
        result[0] = grads[0];
        for (std::size_t j = 0; j < learning.size(); ++j)
            result[2 + learning[j]] = grads[1 + j];
        return result;
    }
};

} // namespace

torch::Tensor checkpointedBlock(BlockFunction block, const torch::Tensor& x,
                                const std::vector<torch::Tensor>& parameters)
{
    auto recompute = c10::make_intrusive<Recompute>();
    recompute->block = std::move(block);
    recompute->parameters = parameters;
    recompute->deviceType = x.device().type();
    recompute->autocast = autocastState(recompute->deviceType);
    return CheckpointedBlock::apply(x, recompute, at::TensorList(parameters));
}

} // namespace cpo::model
