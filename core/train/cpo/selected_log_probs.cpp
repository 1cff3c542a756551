#include "train/cpo/selected_log_probs.h"

namespace cpo::train {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct SelectedLogProbsFunction : torch::autograd::Function<SelectedLogProbsFunction> {
    static torch::Tensor forward(AutogradContext* context, const torch::Tensor& logits,
                                 const torch::Tensor& targets)
    {
        const auto index = targets.unsqueeze(-1);
        // log_softmax is one fused kernel (logsumexp is several passes with a temporary of
        // the logits' size); the row's logsumexp follows from the picked values.
        const auto picked = logits.log_softmax(-1).gather(-1, index).squeeze(-1);
        const auto logSumExp = logits.gather(-1, index).squeeze(-1) - picked;
        context->save_for_backward({logits, index, logSumExp});
        return picked;
    }

    static variable_list backward(AutogradContext* context, variable_list outputs)
    {
        const auto saved = context->get_saved_variables();
        const auto g = outputs[0].unsqueeze(-1);
        auto grad = (saved[0] - saved[2].unsqueeze(-1)).exp_().mul_(-g);
        grad.scatter_add_(-1, saved[1], g);
        return {grad, torch::Tensor()};
    }
};

} // namespace

torch::Tensor selectedLogProbs(const torch::Tensor& logits, const torch::Tensor& targets)
{
    return SelectedLogProbsFunction::apply(logits, targets);
}

} // namespace cpo::train
