#pragma once

#include <array>
#include <optional>
#include <string_view>

// Free of LibTorch: experiment files and the CLI name a precision without the engine.
namespace cpo::model {

// The arithmetic of training forwards. Bf16: π_θ's and π_ref's scoring forwards run under
// autocast to bfloat16 (model/autocast_scope.h): matmuls in bf16, the weights, gradients and
// optimizer state stay float32, and losses and log-prob sums are taken in float32. Meant for
// CUDA (tensor cores); CPU autocast works too, but without native bf16 units it is slower.
enum class Precision { Fp32, Bf16 };

// In the enum's order: the names experiment files and `--precision` use.
inline constexpr std::array<std::string_view, 2> kPrecisionNames{"fp32", "bf16"};

inline std::string_view toString(Precision precision)
{
    return kPrecisionNames[static_cast<std::size_t>(precision)];
}

inline std::optional<Precision> parsePrecision(std::string_view name)
{
    for (std::size_t i = 0; i < kPrecisionNames.size(); ++i)
        if (kPrecisionNames[i] == name)
            return static_cast<Precision>(i);
    return std::nullopt;
}

} // namespace cpo::model
