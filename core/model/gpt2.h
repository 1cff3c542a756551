#pragma once

#include "model/attention.h"
#include "model/causal_lm.h"
#include "model/layers.h"

#include <torch/torch.h>

#include <vector>

// GPT-2 as HF's GPT2LMHeadModel: learned positions, pre-LayerNorm blocks, gelu_new, Conv1D
// weights stored [in, out], LM head tied to the token embedding. Submodule names are HF's, so
// named_parameters() reads `transformer.h.0.attn.c_attn.weight` etc.
namespace cpo::model {

struct Gpt2AttentionImpl : torch::nn::Module {
    Gpt2AttentionImpl(const ModelConfig& config, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x, ForwardContext& context, std::size_t layer);

    Conv1D c_attn; // q, k, v in one [n_embd, 3 * n_embd] GEMM
    Conv1D c_proj;

private:
    std::int64_t m_heads;
};
TORCH_MODULE(Gpt2Attention);

struct Gpt2MlpImpl : torch::nn::Module {
    Gpt2MlpImpl(const ModelConfig& config, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x);

    Conv1D c_fc;
    Conv1D c_proj;
};
TORCH_MODULE(Gpt2Mlp);

struct Gpt2BlockImpl : torch::nn::Module {
    Gpt2BlockImpl(const ModelConfig& config, std::size_t layer,
                  const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x, ForwardContext& context);

    LayerNorm ln_1;
    Gpt2Attention attn;
    LayerNorm ln_2;
    Gpt2Mlp mlp;

private:
    std::size_t m_layer;
};
TORCH_MODULE(Gpt2Block);

// HF's GPT2Model, the `transformer.` prefix of every parameter name.
struct Gpt2TransformerImpl : torch::nn::Module {
    Gpt2TransformerImpl(const ModelConfig& config, const torch::TensorOptions& options);

    Embedding wte;
    Embedding wpe;
    torch::nn::ModuleList h;
    std::vector<Gpt2Block> blocks; // h's entries, typed
    LayerNorm ln_f;
};
TORCH_MODULE(Gpt2Transformer);

class Gpt2Impl : public CausalLMImpl {
public:
    // options: dtype and device of the (uninitialised) parameters.
    explicit Gpt2Impl(ModelConfig config, const torch::TensorOptions& options = {});

    ForwardOutput forward(const torch::Tensor& inputIds, const torch::Tensor& attentionMask = {},
                          KVCache* cache = nullptr,
                          std::int64_t logitsFrom = 0) override;

private:
    Gpt2Transformer m_transformer;
};

} // namespace cpo::model
