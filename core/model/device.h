#pragma once

#include <torch/torch.h>

#include <string>

namespace cpo::model {

// "cpu", "cuda", "cuda:N" or "auto" (CUDA when available, else CPU). Throws cpo::Error with
// the fix when CUDA is asked for but this LibTorch build or machine has none.
torch::Device parseDevice(const std::string& spec);

} // namespace cpo::model
