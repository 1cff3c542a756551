#include "model/gpt2.h"

#include "model/activation_checkpoint.h"
#include "util/error.h"

#include <memory>
#include <string>

namespace cpo::model {

Gpt2AttentionImpl::Gpt2AttentionImpl(const ModelConfig& config,
                                     const torch::TensorOptions& options)
    : c_attn(register_module("c_attn",
                             Conv1D(config.hiddenSize, 3 * config.hiddenSize, options))),
      c_proj(register_module("c_proj", Conv1D(config.hiddenSize, config.hiddenSize, options))),
      m_heads(config.numHeads)
{
}

torch::Tensor Gpt2AttentionImpl::forward(const torch::Tensor& x, ForwardContext& context,
                                         std::size_t layer)
{
    const std::int64_t batch = x.size(0);
    const std::int64_t time = x.size(1);
    const std::int64_t width = x.size(2);
    // [batch, time, 3 * width] -> three views [batch, heads, time, headDim], no copies.
    const auto qkv = c_attn(x).view({batch, time, 3, m_heads, width / m_heads})
                         .permute({2, 0, 3, 1, 4});
    auto [keys, values] = extendCache(context.cache, layer, qkv[1], qkv[2]);
    const auto out = attend(qkv[0], keys, values, context.mask);
    return c_proj(out.transpose(1, 2).reshape({batch, time, width}));
}

Gpt2MlpImpl::Gpt2MlpImpl(const ModelConfig& config, const torch::TensorOptions& options)
    : c_fc(register_module("c_fc",
                           Conv1D(config.hiddenSize, config.intermediateSize, options))),
      c_proj(register_module("c_proj",
                             Conv1D(config.intermediateSize, config.hiddenSize, options)))
{
}

torch::Tensor Gpt2MlpImpl::forward(const torch::Tensor& x)
{
    return c_proj(torch::gelu(c_fc(x), "tanh")); // gelu_new is GELU's tanh approximation
}

Gpt2BlockImpl::Gpt2BlockImpl(const ModelConfig& config, std::size_t layer,
                             const torch::TensorOptions& options)
    : ln_1(register_module("ln_1", LayerNorm(config.hiddenSize, config.normEps, options))),
      attn(register_module("attn", Gpt2Attention(config, options))),
      ln_2(register_module("ln_2", LayerNorm(config.hiddenSize, config.normEps, options))),
      mlp(register_module("mlp", Gpt2Mlp(config, options))),
      m_layer(layer)
{
}

torch::Tensor Gpt2BlockImpl::forward(const torch::Tensor& x, ForwardContext& context)
{
    const auto h = x + attn->forward(ln_1(x), context, m_layer);
    return h + mlp(ln_2(h));
}

Gpt2TransformerImpl::Gpt2TransformerImpl(const ModelConfig& config,
                                         const torch::TensorOptions& options)
    : wte(register_module("wte", Embedding(config.vocabSize, config.hiddenSize, options))),
      wpe(register_module("wpe", Embedding(config.maxPositions, config.hiddenSize, options))),
      h(register_module("h", torch::nn::ModuleList())),
      ln_f(register_module("ln_f", LayerNorm(config.hiddenSize, config.normEps, options)))
{
    for (std::int64_t i = 0; i < config.numLayers; ++i) {
        blocks.emplace_back(config, static_cast<std::size_t>(i), options);
        h->push_back(blocks.back());
    }
}

Gpt2Impl::Gpt2Impl(ModelConfig config, const torch::TensorOptions& options)
    : CausalLMImpl(std::move(config)),
      m_transformer(register_module("transformer", Gpt2Transformer(this->config(), options)))
{
}

ForwardOutput Gpt2Impl::forward(const torch::Tensor& inputIds,
                                const torch::Tensor& attentionMask, KVCache* cache,
                                std::int64_t logitsFrom)
{
    auto context = beginForward(config(), inputIds, attentionMask, cache);
    const std::int64_t end = context.pastLength + inputIds.size(1);
    if (end > config().maxPositions) {
        throw Error("gpt2: " + std::to_string(end) + " positions exceed n_positions (" +
                    std::to_string(config().maxPositions) + ")");
    }
    auto& t = *m_transformer;
    auto h = t.wte(inputIds) + t.wpe(context.positions);
    if (checkpointsBlocks(cache)) {
        // Backward runs each block again after this call returns: it shares the context.
        auto shared = std::make_shared<ForwardContext>(std::move(context));
        for (auto& block : t.blocks)
            h = checkpointedBlock(
                [block, shared](const torch::Tensor& x) mutable {
                    return block->forward(x, *shared);
                },
                h, block->parameters());
    } else {
        for (auto& block : t.blocks)
            h = block(h, context);
    }
    h = t.ln_f(h);
    // The tied head: logits = h @ wte^T, with wte read transposed in place by the GEMM.
    auto logits = torch::linear(positionsWithLogits(h, logitsFrom), t.wte->weight);
    return {std::move(logits), std::move(h)};
}

} // namespace cpo::model
