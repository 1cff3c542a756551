#pragma once

#include "model/causal_lm.h"

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <utility>

namespace cpo::model {

// Which keys each query may attend to in one forward call: causal over past + current
// positions, minus padded keys. Built once per forward and shared by every layer.
class AttentionMask {
public:
    // keyMask: [batch, pastLength + queryLength], nonzero for real tokens; undefined when every
    // token is real.
    AttentionMask(const torch::Tensor& keyMask, std::int64_t queryLength,
                  std::int64_t pastLength, torch::Device device);

    // Additive bias [batch or 1, 1, queryLength, keyLength] in dtype: 0 where a key is
    // visible and a large finite negative elsewhere (not -inf), so that a fully padded row
    // softmaxes to finite values instead of NaN. Built on first use per dtype.
    const torch::Tensor& bias(torch::ScalarType dtype);

    // No padding and no past: plain causal attention, which fused kernels do without a mask.
    bool plainCausal() const { return m_plainCausal; }

private:
    torch::Tensor m_allowed; // bool [batch or 1, 1, queryLength, keyLength]
    std::map<torch::ScalarType, torch::Tensor> m_bias;
    bool m_plainCausal = false;
};

// Scaled dot-product attention. q: [batch, heads, time, headDim]; k, v: [batch, kvHeads, keys,
// headDim] with heads a multiple of kvHeads (grouped-query attention: query head h reads kv
// head h / (heads / kvHeads), as HF's repeat_kv). Returns [batch, heads, time, headDim].
torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                     AttentionMask& mask);

// What every layer of one forward call shares: the mask, the positions and the cache.
struct ForwardContext {
    AttentionMask mask;
    torch::Tensor positions; // [batch or 1, time] int64
    KVCache* cache = nullptr;
    std::int64_t pastLength = 0;
};

// Checks the shapes of a CausalLMImpl::forward call against its contract and sizes the cache
// to the model's layers.
ForwardContext beginForward(const ModelConfig& config, const torch::Tensor& inputIds,
                            const torch::Tensor& attentionMask, KVCache* cache);

// The final hidden states [batch, time, hidden] of the positions from logitsFrom on, the ones
// a forward call's LM head runs on (CausalLMImpl::forward).
torch::Tensor positionsWithLogits(const torch::Tensor& hidden, std::int64_t logitsFrom);

// Appends one layer's new keys and values to the cache (when there is one; in place when it
// has room) and returns what attention sees: past and current keys and values,
// [batch, kvHeads, past + time, headDim].
std::pair<torch::Tensor, torch::Tensor> extendCache(KVCache* cache, std::size_t layer,
                                                    torch::Tensor k, torch::Tensor v);

} // namespace cpo::model
