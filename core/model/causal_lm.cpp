#include "model/causal_lm.h"

#include "model/gpt2.h"
#include "model/llama.h"

#include <cmath>
#include <string_view>

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

} // namespace

KVCache KVCache::selectRows(const torch::Tensor& rows) const
{
    KVCache selected;
    selected.keys.reserve(keys.size());
    selected.values.reserve(values.size());
    for (const auto& k : keys)
        selected.keys.push_back(k.defined() ? k.index_select(0, rows.to(k.device())) : k);
    for (const auto& v : values)
        selected.values.push_back(v.defined() ? v.index_select(0, rows.to(v.device())) : v);
    return selected;
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
