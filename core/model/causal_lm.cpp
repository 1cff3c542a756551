#include "model/causal_lm.h"

#include "model/gpt2.h"
#include "model/llama.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <tuple>

namespace cpo::model {

namespace {

CausalLM construct(const ModelConfig& config, const torch::TensorOptions& options)
{
    config.validate();
    if (config.arch == Architecture::Gpt2)
        return std::make_shared<Gpt2Impl>(config, options);
    return std::make_shared<LlamaImpl>(config, options);
}

bool endsWith(std::string_view text, std::string_view suffix)
{
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Writes `added` after the filled positions `past` of `buffer` and returns the filled prefix.
// A buffer without room is replaced by one with room for `reserved` positions, or twice its
// own, so that token-by-token decoding copies the past O(log n) times, not at every token.
torch::Tensor appendInto(torch::Tensor& buffer, const torch::Tensor& past,
                         const torch::Tensor& added, std::int64_t reserved)
{
    const std::int64_t length = past.defined() ? past.size(2) : 0;
    const std::int64_t end = length + added.size(2);
    // Under autograd the graphs of earlier calls hold views of the buffer, which writing into
    // it would invalidate: a differentiable append is a plain concatenation, with no buffer
    // (copies into a buffer's slices would each clone the whole gradient in backward; cat's
    // backward only slices it). The first differentiable append keeps the new keys as they
    // are.
    if (added.requires_grad() || (past.defined() && past.requires_grad())) {
        buffer = torch::Tensor();
        return length > 0 ? torch::cat({past, added}, 2) : added;
    }
    // The first append sizes the buffer to its batch; and keys and values are public: ones
    // assigned from outside are no longer the buffer's prefix.
    const bool pastInBuffer = length > 0 && buffer.defined() && past.is_alias_of(buffer);
    if (!pastInBuffer || buffer.size(2) < end) {
        const std::int64_t grown = pastInBuffer ? 2 * buffer.size(2) : 0;
        const std::int64_t capacity = std::max({reserved, grown, end});
        auto sizes = added.sizes().vec();
        sizes[2] = capacity;
        auto fresh = torch::empty(sizes, added.options());
        if (length > 0)
            fresh.narrow(2, 0, length).copy_(past);
        buffer = std::move(fresh);
    }
    buffer.narrow(2, length, added.size(2)).copy_(added);
    return buffer.narrow(2, 0, end);
}

// The layer buffer `index` of `buffers`, undefined when appending has not sized them yet.
torch::Tensor bufferAt(const std::vector<torch::Tensor>& buffers, std::size_t index)
{
    return index < buffers.size() ? buffers[index] : torch::Tensor();
}

// The rows of one layer's buffer (or, when `filled` is not its prefix, of `filled`) and the
// filled prefix of that selection.
std::pair<torch::Tensor, torch::Tensor> selectLayerRows(const torch::Tensor& filled,
                                                        const torch::Tensor& buffer,
                                                        const torch::Tensor& rows)
{
    if (!filled.defined())
        return {};
    const bool inBuffer = buffer.defined() && filled.is_alias_of(buffer);
    const auto& source = inBuffer ? buffer : filled;
    auto selected = source.index_select(0, rows.to(source.device()));
    return {selected.narrow(2, 0, filled.size(2)), selected};
}

} // namespace

KVCache KVCache::selectRows(const torch::Tensor& rows) const
{
    KVCache selected;
    selected.m_reserved = m_reserved;
    const auto layers = keys.size();
    selected.keys.resize(layers);
    selected.values.resize(layers);
    selected.m_keyBuffers.resize(layers);
    selected.m_valueBuffers.resize(layers);
    for (std::size_t i = 0; i < layers; ++i) {
        std::tie(selected.keys[i], selected.m_keyBuffers[i]) =
            selectLayerRows(keys[i], bufferAt(m_keyBuffers, i), rows);
        std::tie(selected.values[i], selected.m_valueBuffers[i]) =
            selectLayerRows(values[i], bufferAt(m_valueBuffers, i), rows);
    }
    return selected;
}

std::pair<torch::Tensor, torch::Tensor> KVCache::append(std::size_t layer, const torch::Tensor& k,
                                                        const torch::Tensor& v)
{
    if (m_keyBuffers.size() < keys.size()) {
        m_keyBuffers.resize(keys.size());
        m_valueBuffers.resize(keys.size());
    }
    keys[layer] = appendInto(m_keyBuffers[layer], keys[layer], k, m_reserved);
    values[layer] = appendInto(m_valueBuffers[layer], values[layer], v, m_reserved);
    return {keys[layer], values[layer]};
}

CausalLM createModel(const ModelConfig& config)
{
    auto model = construct(config, {});
    torch::NoGradGuard noGrad;
    // HF's _init_weights. GPT-2 also scales the projections that write into the residual
    // stream by 1/sqrt(2 * n_layer), so the stream's variance does not grow with depth.
    const double residualStd = 0.02 / std::sqrt(2.0 * static_cast<double>(config.numLayers));
    for (auto& item : model->named_parameters()) {
        const std::string& name = item.key();
        auto& p = item.value();
        if (endsWith(name, ".bias"))
            p.zero_();
        else if (p.dim() == 1) // the only 1-D weights are the norms'
            p.fill_(1.0);
        else if (config.arch == Architecture::Gpt2 && endsWith(name, ".c_proj.weight"))
            p.normal_(0.0, residualStd);
        else
            p.normal_(0.0, 0.02);
    }
    return model;
}

CausalLM cloneModel(const CausalLMImpl& model)
{
    const auto source = model.named_parameters();
    auto clone = construct(model.config(), source.is_empty() ? torch::TensorOptions()
                                                             : source[0].value().options());
    torch::NoGradGuard noGrad;
    for (auto& item : clone->named_parameters())
        item.value().copy_(source[item.key()]);
    const auto sourceBuffers = model.named_buffers();
    for (auto& item : clone->named_buffers())
        item.value().copy_(sourceBuffers[item.key()]);
    clone->train(model.is_training());
    clone->setPrecision(model.precision()); // π_ref scores as π_θ does
    return clone;
}

std::map<std::string, torch::Tensor> namedParameters(const CausalLMImpl& model)
{
    std::map<std::string, torch::Tensor> parameters;
    for (const auto& item : model.named_parameters())
        parameters.emplace(item.key(), item.value());
    return parameters;
}

std::int64_t countParameters(const CausalLMImpl& model)
{
    std::int64_t count = 0;
    for (const auto& p : model.parameters())
        count += p.numel();
    return count;
}

} // namespace cpo::model
