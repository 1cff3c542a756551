#pragma once

#include "model/causal_lm.h"

#include <torch/torch.h>

#include <filesystem>

namespace cpo::model {

// A Hugging Face model folder: `config.json` plus `model.safetensors`, or shards listed in
// `model.safetensors.index.json`. Accepts HF's own key variants: GPT-2 keys with or without
// the `transformer.` prefix, the old causal-mask buffers `attn.bias` / `attn.masked_bias`
// (ignored), a tied `lm_head.weight` present or absent. A missing or unexpected tensor, or a
// shape that does not match config.json, throws cpo::Error naming the folder and the tensor.
CausalLM loadHfModel(const std::filesystem::path& folder,
                     torch::Device device = torch::kCPU);

// Writes `config.json` and `model.safetensors` in the layout HF `transformers` saves
// (GPT-2 keys under `transformer.`, tied heads stored once), creating the folder.
void saveHfModel(const CausalLMImpl& model, const std::filesystem::path& folder);

} // namespace cpo::model
