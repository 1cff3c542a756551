#pragma once

#include "tokenize/tokenizer.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

// The names of the negative strategies, free of LibTorch so event types can carry them.
namespace cpo::train::negatives {

// The four ways of making a negative (DESIGN.md §1); MixN mixes them per example.
enum class Strategy : std::uint8_t { An, Bn, Mn, Tn };
inline constexpr std::size_t kStrategyCount = 4;
inline constexpr std::array<Strategy, kStrategyCount> kStrategies{Strategy::An, Strategy::Bn,
                                                                  Strategy::Mn, Strategy::Tn};
std::string_view toString(Strategy strategy); // "an" | "bn" | "mn" | "tn"

// Which negatives a CPO phase draws: one strategy, or MixN (each negative from a strategy
// drawn by the mix weights). The experiment file's `cpo.sampler`.
enum class SamplerKind { An, Bn, Mn, Tn, Mix };

using Tokens = std::vector<tokenize::TokenId>;

} // namespace cpo::train::negatives
