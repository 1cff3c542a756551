#pragma once

#include "model/safetensors_layout.h"

#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <string>

namespace cpo::model {

// Tensors by name; ordered so that written files are byte-for-byte reproducible.
using TensorMap = std::map<std::string, torch::Tensor>;

// Reads a `.safetensors` file (https://github.com/huggingface/safetensors format: u64 LE
// header length, JSON header, raw little-endian data). The file is memory-mapped and each
// tensor copied once into its own CPU storage. Validates everything before trusting it: the
// header length against the file size, the JSON, each dtype (F32, F16, BF16, F64, I64, I32,
// I16, I8, U8, BOOL), that shape x dtype size equals the data_offsets span, that offsets lie
// inside the data section and do not overlap. Any problem throws cpo::Error naming the file,
// the tensor where there is one, and what is wrong. Never crashes on a bad file.
TensorMap readSafetensors(const std::filesystem::path& file);
Metadata readSafetensorsMetadata(const std::filesystem::path& file);

// Writes tensors (any device; contiguous copies are made as needed) with optional
// `__metadata__` (HF writes {"format": "pt"}). Written to a temporary file and renamed, so an
// interrupted write never leaves a truncated file under the final name.
void writeSafetensors(const TensorMap& tensors, const std::filesystem::path& file,
                      const Metadata& metadata = {{"format", "pt"}});

} // namespace cpo::model
