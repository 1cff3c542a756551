#pragma once

#include <torch/torch.h>

#include <string>
#include <string_view>

namespace cpo::model {

// The one check of a device spec, made before any work: "cpu", "cuda", "cuda:N" or "auto"
// (CUDA when available, else CPU). `source` names where the spec came from ("--device", or an
// experiment's field "device") so the error points at what to change. Throws cpo::Error with
// the fix when CUDA is asked for but this LibTorch build or machine has none, when N is past
// the visible devices, or when the spec is none of those.
torch::Device parseDevice(const std::string& spec, std::string_view source = "device");

// A batch's tensor, built on the host, on `device`: every batch goes to the model through here.
// To a CUDA device it is copied into pinned (page-locked) host memory and from there without
// blocking the host, which goes on preparing work while the copy runs (ordered on the stream
// before the kernels that read it; the pinned block is kept until the copy is done). On the
// CPU it is the tensor itself, as Tensor::to gives it.
torch::Tensor toDevice(const torch::Tensor& tensor, torch::Device device);

} // namespace cpo::model
