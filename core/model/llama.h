#pragma once

#include "model/attention.h"
#include "model/causal_lm.h"
#include "model/layers.h"

#include <torch/torch.h>

#include <vector>

// Llama as HF's LlamaForCausalLM: RMSNorm, rotary embeddings (rotate_half convention),
// grouped-query attention, SwiGLU MLP, no biases, optionally tied LM head. Submodule names are
// HF's, so named_parameters() reads `model.layers.0.self_attn.q_proj.weight` etc.
namespace cpo::model {

// cos and sin of every position's rotation angles, [batch or 1, 1, time, headDim], float32.
struct Rotary {
    torch::Tensor cos;
    torch::Tensor sin;
};

struct LlamaAttentionImpl : torch::nn::Module {
    LlamaAttentionImpl(const ModelConfig& config, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x, const Rotary& rotary, ForwardContext& context,
                          std::size_t layer);

    Linear q_proj;
    Linear k_proj;
    Linear v_proj;
    Linear o_proj;

private:
    std::int64_t m_heads;
    std::int64_t m_kvHeads;
    std::int64_t m_headDim;
};
TORCH_MODULE(LlamaAttention);

struct LlamaMlpImpl : torch::nn::Module {
    LlamaMlpImpl(const ModelConfig& config, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x);

    Linear gate_proj;
    Linear up_proj;
    Linear down_proj;
};
TORCH_MODULE(LlamaMlp);

struct LlamaDecoderLayerImpl : torch::nn::Module {
    LlamaDecoderLayerImpl(const ModelConfig& config, std::size_t layer,
                          const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x, const Rotary& rotary, ForwardContext& context);

    LlamaAttention self_attn;
    LlamaMlp mlp;
    RMSNorm input_layernorm;
    RMSNorm post_attention_layernorm;

private:
    std::size_t m_layer;
};
TORCH_MODULE(LlamaDecoderLayer);

// HF's LlamaModel, the `model.` prefix of every parameter name but lm_head's.
struct LlamaModelImpl : torch::nn::Module {
    LlamaModelImpl(const ModelConfig& config, const torch::TensorOptions& options);

    Embedding embed_tokens;
    torch::nn::ModuleList layers;
    std::vector<LlamaDecoderLayer> decoderLayers; // layers' entries, typed
    RMSNorm norm;
};
TORCH_MODULE(LlamaModel);

class LlamaImpl : public CausalLMImpl {
public:
    // options: dtype and device of the (uninitialised) parameters.
    explicit LlamaImpl(ModelConfig config, const torch::TensorOptions& options = {});

    ForwardOutput forward(const torch::Tensor& inputIds, const torch::Tensor& attentionMask = {},
                          KVCache* cache = nullptr,
                          std::int64_t logitsFrom = 0) override;

private:
    Rotary rotary(const torch::Tensor& positions) const;

    LlamaModel m_model;
    Linear m_lmHead{nullptr}; // absent when tied to embed_tokens
};

} // namespace cpo::model
