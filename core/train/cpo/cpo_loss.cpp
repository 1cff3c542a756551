#include "train/cpo/cpo_loss.h"

namespace cpo::train {

torch::Tensor contrastiveLoss(const torch::Tensor& rewards, double beta,
                              const torch::Tensor& order)
{
    TORCH_CHECK(rewards.dim() == 2 && rewards.size(1) >= 2,
                "rewards must be [batch, K >= 2], got ", rewards.sizes());
    const auto scaled = rewards * beta;
    if (!order.defined())
        return -scaled.log_softmax(1).select(1, 0);
    TORCH_CHECK(order.sizes() == rewards.sizes(), "order must be shaped like rewards");
    const auto ranked = scaled.gather(1, order.to(rewards.device(), torch::kInt64));
    // Suffix logsumexps: lse[k] = log Σ_{j≥k} exp(ranked[j]), via a reversed cumulative one.
    const auto suffix = ranked.flip({1}).logcumsumexp(1).flip({1});
    const auto K = rewards.size(1);
    return (suffix.narrow(1, 0, K - 1) - ranked.narrow(1, 0, K - 1)).sum(1);
}

} // namespace cpo::train
