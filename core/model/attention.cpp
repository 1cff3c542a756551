#include "model/attention.h"

#include <torch/version.h>

#include <cmath>

namespace cpo::model {

namespace {

// Large enough that exp() of it is 0 against any real score, small enough that adding a score
// never overflows to -inf in the bias's dtype (half tops out at 65504).
double maskedValue(torch::ScalarType dtype)
{
    return dtype == torch::kHalf ? -3.0e4 : -1.0e30;
}

// Positions counted over real tokens only, so left- and right-padded rows get the positions
// they would have unpadded.
torch::Tensor positionIds(const torch::Tensor& keyMask, std::int64_t queryLength,
                          std::int64_t pastLength, torch::Device device)
{
    if (!keyMask.defined()) {
        return torch::arange(pastLength, pastLength + queryLength,
                             torch::TensorOptions().dtype(torch::kLong).device(device))
            .unsqueeze(0);
    }
    return keyMask.to(device, torch::kLong)
        .cumsum(-1)
        .sub_(1)
        .clamp_min_(0)
        .narrow(1, pastLength, queryLength);
}

} // namespace

AttentionMask::AttentionMask(const torch::Tensor& keyMask, std::int64_t queryLength,
                             std::int64_t pastLength, torch::Device device)
    : m_plainCausal(!keyMask.defined() && pastLength == 0)
{
    const std::int64_t keyLength = pastLength + queryLength;
    // Query i (absolute position pastLength + i) sees keys j <= pastLength + i.
    m_allowed = torch::ones({queryLength, keyLength},
                            torch::TensorOptions().dtype(torch::kBool).device(device))
                    .tril(pastLength)
                    .view({1, 1, queryLength, keyLength});
    if (keyMask.defined())
        m_allowed = m_allowed.logical_and(keyMask.to(device).ne(0).view({-1, 1, 1, keyLength}));
}

const torch::Tensor& AttentionMask::bias(torch::ScalarType dtype)
{
    auto it = m_bias.find(dtype);
    if (it == m_bias.end()) {
        auto bias = torch::zeros(m_allowed.sizes(), m_allowed.options().dtype(dtype))
                        .masked_fill_(m_allowed.logical_not(), maskedValue(dtype));
        it = m_bias.emplace(dtype, std::move(bias)).first;
    }
    return it->second;
}

torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                     AttentionMask& mask)
{
    const std::int64_t batch = q.size(0);
    const std::int64_t heads = q.size(1);
    const std::int64_t headDim = q.size(3);
    const std::int64_t kvHeads = k.size(1);
    const std::int64_t groups = heads / kvHeads;
#if TORCH_VERSION_MAJOR >= 2
    // Fused kernels (flash / memory-efficient on GPU) want every head's keys materialised.
    auto expandKv = [&](const torch::Tensor& t) {
        const std::int64_t keys = t.size(2);
        return groups == 1 ? t
                           : t.unsqueeze(2)
                                 .expand({batch, kvHeads, groups, keys, headDim})
                                 .reshape({batch, heads, keys, headDim});
    };
    if (mask.plainCausal())
        return torch::scaled_dot_product_attention(q, expandKv(k), expandKv(v), {}, 0.0, true);
    return torch::scaled_dot_product_attention(q, expandKv(k), expandKv(v),
                                               mask.bias(q.scalar_type()), 0.0, false);
#else
    // The query heads that share a kv head are stacked along time, so one matmul per kv head
    // serves the whole group and the keys and values are never repeated.
    const std::int64_t time = q.size(2);
    const std::int64_t keys = k.size(2);
    const double scale = 1.0 / std::sqrt(static_cast<double>(headDim));
    auto scores = torch::matmul((q * scale).reshape({batch, kvHeads, groups * time, headDim}),
                                k.transpose(-2, -1));
    scores.view({batch, kvHeads, groups, time, keys})
        .add_(mask.bias(scores.scalar_type()).unsqueeze(1));
    return torch::matmul(torch::softmax(scores, -1), v).view({batch, heads, time, headDim});
#endif
}

ForwardContext beginForward(const ModelConfig& config, const torch::Tensor& inputIds,
                            const torch::Tensor& attentionMask, KVCache* cache)
{
    TORCH_CHECK(inputIds.dim() == 2, "inputIds must be [batch, time], got ",
                inputIds.sizes());
    const std::int64_t batch = inputIds.size(0);
    const std::int64_t time = inputIds.size(1);
    const auto layers = static_cast<std::size_t>(config.numLayers);
    std::int64_t past = 0;
    if (cache != nullptr) {
        if (cache->keys.size() != layers) {
            TORCH_CHECK(cache->empty(), "the cache has ", cache->keys.size(),
                        " layers but the model ", layers);
            cache->keys.resize(layers);
            cache->values.resize(layers);
        }
        past = cache->length();
        TORCH_CHECK(cache->empty() || cache->keys.front().size(0) == batch, "the cache holds ",
                    cache->keys.front().size(0), " rows but inputIds ", batch);
    }
    if (attentionMask.defined()) {
        TORCH_CHECK(attentionMask.dim() == 2 && attentionMask.size(0) == batch &&
                        attentionMask.size(1) == past + time,
                    "attentionMask must be [batch, past + time] = [", batch, ", ", past + time,
                    "], got ", attentionMask.sizes());
    }
    const torch::Device device = inputIds.device();
    return {AttentionMask(attentionMask, time, past, device),
            positionIds(attentionMask, time, past, device), cache, past};
}

torch::Tensor positionsWithLogits(const torch::Tensor& hidden, std::int64_t logitsFrom)
{
    const std::int64_t time = hidden.size(1);
    TORCH_CHECK(logitsFrom >= 0 && logitsFrom <= time, "logitsFrom must be in [0, ", time,
                "], got ", logitsFrom);
    return logitsFrom == 0 ? hidden : hidden.narrow(1, logitsFrom, time - logitsFrom);
}

std::pair<torch::Tensor, torch::Tensor> extendCache(KVCache* cache, std::size_t layer,
                                                    torch::Tensor k, torch::Tensor v)
{
    if (cache == nullptr)
        return {std::move(k), std::move(v)};
    return cache->append(layer, k, v);
}

} // namespace cpo::model
