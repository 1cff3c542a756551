#pragma once

#include "model/model_config.h"
#include "train/train_options.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>

// The names an experiment file uses for its enums, shared by its reader and its canonical
// form so both spell them alike. Each table is in the enum's order.
namespace cpo::engine {

inline constexpr std::array<std::string_view, 2> kArchitectures{"gpt2", "llama"};
inline constexpr std::array<std::string_view, 4> kDatasetKinds{
    "oracle", "instruction_jsonl", "text_corpus", "debian_packages"};
inline constexpr std::array<std::string_view, 3> kFieldPresets{"dolly", "alpaca",
                                                               "prompt_response"};
inline constexpr std::array<std::string_view, 3> kSchedules{"constant", "linear", "cosine"};
inline constexpr std::array<std::string_view, 5> kSamplers{"an", "bn", "mn", "tn", "mix"};
// The keys of `cpo.mix_weights`, in SamplerOptions::mixWeights' order (AN, BN, MN, TN).
inline constexpr std::array<std::string_view, 4> kMixKeys{"an", "bn", "mn", "tn"};

// The enum value of a name the reader has already checked against the table.
template <typename Enum, std::size_t N>
Enum fromName(const std::array<std::string_view, N>& names, std::string_view name)
{
    return static_cast<Enum>(std::ranges::find(names, name) - names.begin());
}

template <typename Enum, std::size_t N>
std::string_view nameOf(const std::array<std::string_view, N>& names, Enum value)
{
    return names[static_cast<std::size_t>(value)];
}

} // namespace cpo::engine
