#include "model/layers.h"

namespace cpo::model {

EmbeddingImpl::EmbeddingImpl(std::int64_t count, std::int64_t dim,
                             const torch::TensorOptions& options)
    : weight(register_parameter("weight", torch::empty({count, dim}, options)))
{
}

LinearImpl::LinearImpl(std::int64_t in, std::int64_t out, const torch::TensorOptions& options)
    : weight(register_parameter("weight", torch::empty({out, in}, options)))
{
}

Conv1DImpl::Conv1DImpl(std::int64_t in, std::int64_t out, const torch::TensorOptions& options)
    : weight(register_parameter("weight", torch::empty({in, out}, options))),
      bias(register_parameter("bias", torch::empty({out}, options)))
{
}

torch::Tensor Conv1DImpl::forward(const torch::Tensor& x)
{
    // One fused GEMM + bias over all batch rows and positions.
    auto sizes = x.sizes().vec();
    sizes.back() = weight.size(1);
    return torch::addmm(bias, x.reshape({-1, x.size(-1)}), weight).view(sizes);
}

LayerNormImpl::LayerNormImpl(std::int64_t dim, double eps, const torch::TensorOptions& options)
    : weight(register_parameter("weight", torch::empty({dim}, options))),
      bias(register_parameter("bias", torch::empty({dim}, options))),
      m_eps(eps)
{
}

RMSNormImpl::RMSNormImpl(std::int64_t dim, double eps, const torch::TensorOptions& options)
    : weight(register_parameter("weight", torch::empty({dim}, options))), m_eps(eps)
{
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x)
{
    const auto xf = x.to(torch::kFloat);
    const auto inverseRms = torch::rsqrt(xf.square().mean(-1, true).add_(m_eps));
    return weight * (xf * inverseRms).to(x.scalar_type());
}

} // namespace cpo::model
