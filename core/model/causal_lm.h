#pragma once

#include "model/model_config.h"
#include "model/precision.h"

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cpo::model {

// Keys and values of the positions already processed, one entry per layer, so that decoding
// one more token costs one position's work instead of the whole prefix's.
// keys and values are the filled prefix, [batch, numKeyValueHeads, pastLength, headDim]: views
// of buffers with room for more positions, so that appending writes in place.
// Move-only: a copy would share the buffers, and appending to it would overwrite the other's
// positions.
struct KVCache {
    KVCache() = default;
    KVCache(KVCache&&) = default;
    KVCache& operator=(KVCache&&) = default;
    KVCache(const KVCache&) = delete;
    KVCache& operator=(const KVCache&) = delete;

    std::vector<torch::Tensor> keys;
    std::vector<torch::Tensor> values;

    bool empty() const { return keys.empty() || !keys.front().defined(); }
    std::int64_t length() const { return empty() ? 0 : keys.front().size(2); }
    // Room for `positions` in all (prompt + new tokens) once the cache is first filled: decoding
    // then never reallocates. Without it the buffers start at the first call's length and
    // double when full.
    void reserve(std::int64_t positions) { m_reserved = positions; }
    // The cache of a subset or repetition of the batch rows (rows: int64 indices), e.g. to
    // run several continuations against one encoded prompt. Keeps the room left.
    KVCache selectRows(const torch::Tensor& rows) const;
    // Writes one layer's new keys and values [batch, numKeyValueHeads, time, headDim] after its
    // past ones and returns that layer's updated keys and values.
    std::pair<torch::Tensor, torch::Tensor> append(std::size_t layer, const torch::Tensor& k,
                                                   const torch::Tensor& v);

private:
    std::vector<torch::Tensor> m_keyBuffers; // [batch, numKeyValueHeads, capacity, headDim]
    std::vector<torch::Tensor> m_valueBuffers;
    std::int64_t m_reserved = 0;
};

struct ForwardOutput {
    torch::Tensor logits; // [batch, time, vocab], float32 (or the model's dtype)
    torch::Tensor hidden; // [batch, time, hidden], the final hidden state after the last norm
};

// A decoder-only transformer language model. Parameter names (named_parameters()) are exactly
// Hugging Face's for the architecture (GPT-2's `transformer.h.0.attn.c_attn.weight`, Llama's
// `model.layers.0.self_attn.q_proj.weight`), with HF's layouts, so checkpoints map 1:1.
class CausalLMImpl : public torch::nn::Module {
public:
    explicit CausalLMImpl(ModelConfig config) : m_config(std::move(config)) {}
    const ModelConfig& config() const { return m_config; }

    // inputIds: [batch, time] int64.
    // attentionMask: [batch, pastLength + time], 1 for real tokens and 0 for padding; may be
    //   undefined (every token real). Positions are counted over real tokens only
    //   (cumsum(mask) - 1), so left- and right-padded rows get the positions they would have
    //   unpadded.
    // cache: when given, attention also covers the cached positions and this call's keys and
    //   values are appended to it.
    // logitsFrom: the first of this call's positions that gets logits (0..time). The LM head is
    //   the largest matmul of a small model: callers that only need some positions' predictions
    //   (a continuation after its prompt, a prompt only encoded into the cache) skip the rest.
    //   logits is then [batch, time - logitsFrom, vocab]; hidden covers every position.
    virtual ForwardOutput forward(const torch::Tensor& inputIds,
                                  const torch::Tensor& attentionMask = {},
                                  KVCache* cache = nullptr, std::int64_t logitsFrom = 0) = 0;

    // The tied LM head shares the embedding tensor; HF files store it once.
    bool lmHeadTied() const { return m_config.tieWordEmbeddings; }

    // Activation checkpointing per block (model/activation_checkpoint.h): a training forward
    // keeps one tensor per block and backward recomputes the rest. A runtime choice (the
    // experiment's model.activation_checkpointing), not part of config.json. Off by default.
    void setActivationCheckpointing(bool on) { m_checkpointActivations = on; }
    bool activationCheckpointing() const { return m_checkpointActivations; }

    // The arithmetic of training forwards (model/precision.h): a runtime choice (the
    // experiment's "precision"), which the trainers apply around their forwards through
    // model/autocast_scope.h; other forwards (generation, validation) stay fp32. Fp32 by default.
    void setPrecision(Precision precision) { m_precision = precision; }
    Precision precision() const { return m_precision; }

protected:
    // Whether this forward call checkpoints its blocks: switched on, recording a graph, and
    // without a KV cache (decoding is never differentiated).
    bool checkpointsBlocks(const KVCache* cache) const
    {
        return m_checkpointActivations && torch::GradMode::is_enabled() && cache == nullptr;
    }

private:
    ModelConfig m_config;
    bool m_checkpointActivations = false;
    Precision m_precision = Precision::Fp32;
};

using CausalLM = std::shared_ptr<CausalLMImpl>;

// A model with freshly initialised weights (HF's init: normal(0, 0.02) for linear and
// embedding weights, zeros for biases, ones for norms). Seed with torch::manual_seed first.
CausalLM createModel(const ModelConfig& config);

// A deep copy: same config and precision, parameter values copied into new storage on the same
// device.
// (A CausalLM handle is a shared pointer; copying the handle shares the weights.)
CausalLM cloneModel(const CausalLMImpl& model);

// Parameters by name, as the model holds them (no copies).
std::map<std::string, torch::Tensor> namedParameters(const CausalLMImpl& model);
std::int64_t countParameters(const CausalLMImpl& model);

} // namespace cpo::model
