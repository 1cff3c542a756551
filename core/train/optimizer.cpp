#include "train/optimizer.h"

#include <vector>

namespace cpo::train {

std::unique_ptr<torch::optim::AdamW> makeOptimizer(model::CausalLMImpl& model,
                                                   const OptimizerOptions& o)
{
    std::vector<torch::Tensor> decayed;
    std::vector<torch::Tensor> undecayed;
    for (const auto& p : model.parameters())
        (p.dim() >= 2 ? decayed : undecayed).push_back(p);
    const auto options = [&](double decay) {
        return std::make_unique<torch::optim::AdamWOptions>(
            torch::optim::AdamWOptions(o.lr).betas({o.beta1, o.beta2}).eps(o.eps)
                .weight_decay(decay));
    };
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decayed, options(o.weightDecay));
    groups.emplace_back(undecayed, options(0.0));
    return std::make_unique<torch::optim::AdamW>(groups, *options(o.weightDecay));
}

} // namespace cpo::train
