#include "model/llama.h"

#include "model/activation_checkpoint.h"

#include <memory>

namespace cpo::model {

namespace {

// HF's rotate_half: the second half of the head dimension, negated, before the first half.
torch::Tensor rotateHalf(const torch::Tensor& x)
{
    const std::int64_t half = x.size(-1) / 2;
    return torch::cat({x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)}, -1);
}

// cos and sin are float32; x keeps its own dtype (bf16 under autocast stays bf16).
torch::Tensor applyRotary(const torch::Tensor& x, const Rotary& rotary)
{
    return x * rotary.cos.to(x.scalar_type()) + rotateHalf(x) * rotary.sin.to(x.scalar_type());
}

} // namespace

LlamaAttentionImpl::LlamaAttentionImpl(const ModelConfig& config,
                                       const torch::TensorOptions& options)
    : q_proj(register_module("q_proj", Linear(config.hiddenSize, config.hiddenSize, options))),
      k_proj(register_module(
          "k_proj", Linear(config.hiddenSize, config.numKeyValueHeads * config.headDim(),
                           options))),
      v_proj(register_module(
          "v_proj", Linear(config.hiddenSize, config.numKeyValueHeads * config.headDim(),
                           options))),
      o_proj(register_module("o_proj", Linear(config.hiddenSize, config.hiddenSize, options))),
      m_heads(config.numHeads),
      m_kvHeads(config.numKeyValueHeads),
      m_headDim(config.headDim())
{
}

torch::Tensor LlamaAttentionImpl::forward(const torch::Tensor& x, const Rotary& rotary,
                                          ForwardContext& context, std::size_t layer)
{
    const std::int64_t batch = x.size(0);
    const std::int64_t time = x.size(1);
    auto split = [&](const torch::Tensor& t, std::int64_t heads) {
        return t.view({batch, time, heads, m_headDim}).transpose(1, 2);
    };
    const auto q = applyRotary(split(q_proj(x), m_heads), rotary);
    auto k = applyRotary(split(k_proj(x), m_kvHeads), rotary);
    auto [keys, values] = extendCache(context.cache, layer, std::move(k),
                                      split(v_proj(x), m_kvHeads));
    const auto out = attend(q, keys, values, context.mask);
    return o_proj(out.transpose(1, 2).reshape({batch, time, m_heads * m_headDim}));
}

LlamaMlpImpl::LlamaMlpImpl(const ModelConfig& config, const torch::TensorOptions& options)
    : gate_proj(register_module(
          "gate_proj", Linear(config.hiddenSize, config.intermediateSize, options))),
      up_proj(register_module("up_proj",
                              Linear(config.hiddenSize, config.intermediateSize, options))),
      down_proj(register_module(
          "down_proj", Linear(config.intermediateSize, config.hiddenSize, options)))
{
}

torch::Tensor LlamaMlpImpl::forward(const torch::Tensor& x)
{
    return down_proj(torch::silu(gate_proj(x)) * up_proj(x));
}

LlamaDecoderLayerImpl::LlamaDecoderLayerImpl(const ModelConfig& config, std::size_t layer,
                                             const torch::TensorOptions& options)
    : self_attn(register_module("self_attn", LlamaAttention(config, options))),
      mlp(register_module("mlp", LlamaMlp(config, options))),
      input_layernorm(register_module(
          "input_layernorm", RMSNorm(config.hiddenSize, config.normEps, options))),
      post_attention_layernorm(register_module(
          "post_attention_layernorm", RMSNorm(config.hiddenSize, config.normEps, options))),
      m_layer(layer)
{
}

torch::Tensor LlamaDecoderLayerImpl::forward(const torch::Tensor& x, const Rotary& rotary,
                                             ForwardContext& context)
{
    const auto h = x + self_attn->forward(input_layernorm(x), rotary, context, m_layer);
    return h + mlp(post_attention_layernorm(h));
}

LlamaModelImpl::LlamaModelImpl(const ModelConfig& config, const torch::TensorOptions& options)
    : embed_tokens(register_module("embed_tokens",
                                   Embedding(config.vocabSize, config.hiddenSize, options))),
      layers(register_module("layers", torch::nn::ModuleList())),
      norm(register_module("norm", RMSNorm(config.hiddenSize, config.normEps, options)))
{
    for (std::int64_t i = 0; i < config.numLayers; ++i) {
        decoderLayers.emplace_back(config, static_cast<std::size_t>(i), options);
        layers->push_back(decoderLayers.back());
    }
}

LlamaImpl::LlamaImpl(ModelConfig config, const torch::TensorOptions& options)
    : CausalLMImpl(std::move(config)),
      m_model(register_module("model", LlamaModel(this->config(), options)))
{
    if (!lmHeadTied()) {
        m_lmHead = register_module(
            "lm_head", Linear(this->config().hiddenSize, this->config().vocabSize, options));
    }
}

Rotary LlamaImpl::rotary(const torch::Tensor& positions) const
{
    // Angles in float32 as HF computes them: position * theta^(-2i / headDim).
    const std::int64_t headDim = config().headDim();
    const auto floats = torch::TensorOptions().dtype(torch::kFloat).device(positions.device());
    const auto exponents = torch::arange(0, headDim, 2, floats).div_(headDim);
    const auto inverseFrequency = torch::pow(config().ropeTheta, exponents).reciprocal_();
    const auto angles = positions.to(torch::kFloat).unsqueeze(-1) * inverseFrequency;
    const auto both = torch::cat({angles, angles}, -1).unsqueeze(1); // [B, 1, T, headDim]
    return {both.cos(), both.sin()};
}

ForwardOutput LlamaImpl::forward(const torch::Tensor& inputIds,
                                 const torch::Tensor& attentionMask, KVCache* cache,
                                 std::int64_t logitsFrom)
{
    auto context = beginForward(config(), inputIds, attentionMask, cache);
    auto& model = *m_model;
    auto h = model.embed_tokens(inputIds);
    const Rotary rope = rotary(context.positions);
    if (checkpointsBlocks(cache)) {
        // Backward runs each layer again after this call returns: it shares the context.
        auto shared = std::make_shared<ForwardContext>(std::move(context));
        for (auto& layer : model.decoderLayers)
            h = checkpointedBlock(
                [layer, rope, shared](const torch::Tensor& x) mutable {
                    return layer->forward(x, rope, *shared);
                },
                h, layer->parameters());
    } else {
        for (auto& layer : model.decoderLayers)
            h = layer(h, rope, context);
    }
    h = model.norm(h);
    auto logits = torch::linear(positionsWithLogits(h, logitsFrom),
                                lmHeadTied() ? model.embed_tokens->weight : m_lmHead->weight);
    return {std::move(logits), std::move(h)};
}

} // namespace cpo::model
