#pragma once

#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cpo::train {

// The first `length` values of one row of a CPU float matrix, read through one accessor
// (not a tensor per element): per-token values handed to events and the store.
inline std::vector<float> floatRow(const torch::Tensor& cpu2d, std::int64_t row,
                                   std::size_t length)
{
    const auto access = cpu2d.accessor<float, 2>();
    std::vector<float> out(length);
    for (std::size_t t = 0; t < length; ++t)
        out[t] = access[row][static_cast<std::int64_t>(t)];
    return out;
}

} // namespace cpo::train
