#pragma once

#include <torch/torch.h>

#include <cstdint>

// The small layers both architectures are built from. Parameters are allocated uninitialised
// (createModel initialises them, cloneModel copies into them), so that building a model never
// consumes the global RNG nor writes memory twice.
namespace cpo::model {

// A lookup table [count, dim] (HF's nn.Embedding).
struct EmbeddingImpl : torch::nn::Module {
    EmbeddingImpl(std::int64_t count, std::int64_t dim, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& ids) { return torch::embedding(weight, ids); }

    torch::Tensor weight;
};
TORCH_MODULE(Embedding);

// y = x W^T with W [out, in] and no bias (HF's nn.Linear(bias=False), Llama's projections).
struct LinearImpl : torch::nn::Module {
    LinearImpl(std::int64_t in, std::int64_t out, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x) { return torch::linear(x, weight); }

    torch::Tensor weight;
};
TORCH_MODULE(Linear);

// GPT-2's Conv1D: y = x W + b with W stored [in, out], exactly as HF's files hold it.
struct Conv1DImpl : torch::nn::Module {
    Conv1DImpl(std::int64_t in, std::int64_t out, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x);

    torch::Tensor weight;
    torch::Tensor bias;
};
TORCH_MODULE(Conv1D);

struct LayerNormImpl : torch::nn::Module {
    LayerNormImpl(std::int64_t dim, double eps, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x)
    {
        return torch::layer_norm(x, {weight.size(0)}, weight, bias, m_eps);
    }

    torch::Tensor weight;
    torch::Tensor bias;

private:
    double m_eps;
};
TORCH_MODULE(LayerNorm);

// Llama's RMSNorm: x / sqrt(mean(x^2) + eps) * weight, normalised in float32 as HF does.
struct RMSNormImpl : torch::nn::Module {
    RMSNormImpl(std::int64_t dim, double eps, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x);

    torch::Tensor weight;

private:
    double m_eps;
};
TORCH_MODULE(RMSNorm);

} // namespace cpo::model
