#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace cpo::model {

enum class Architecture { Gpt2, Llama };

std::string toString(Architecture arch);           // "gpt2" | "llama" (HF model_type)
Architecture architectureFromString(const std::string& name); // throws cpo::Error

// Model hyper-parameters: what a checkpoint's `config.json` says. Runtime choices (device,
// dtype, threads) are not here; they belong to the run configuration.
struct ModelConfig {
    Architecture arch = Architecture::Gpt2;
    std::int64_t vocabSize = 50257;
    std::int64_t hiddenSize = 768;        // gpt2: n_embd
    std::int64_t numLayers = 12;          // gpt2: n_layer
    std::int64_t numHeads = 12;           // gpt2: n_head
    std::int64_t numKeyValueHeads = 12;   // llama only (grouped-query attention); gpt2: = numHeads
    std::int64_t intermediateSize = 3072; // gpt2: n_inner (null in HF means 4 * n_embd)
    std::int64_t maxPositions = 1024;     // gpt2: n_positions; llama: max_position_embeddings
    double normEps = 1e-5;                // gpt2: layer_norm_epsilon; llama: rms_norm_eps
    double ropeTheta = 10000.0;           // llama only
    bool tieWordEmbeddings = true;        // gpt2 always ties; llama: tie_word_embeddings
    std::optional<std::int64_t> bosTokenId;
    std::optional<std::int64_t> eosTokenId;

    std::int64_t headDim() const { return hiddenSize / numHeads; }
    // Throws cpo::Error naming the field when the numbers cannot form a model.
    void validate() const;
};

// HF `config.json` <-> ModelConfig. Reading accepts HF's field names for model_type gpt2 and
// llama (unknown fields are ignored, as HF does); writing produces a file HF can load.
ModelConfig configFromJson(const nlohmann::json& json);
nlohmann::json configToJson(const ModelConfig& config);
ModelConfig readConfigFile(const std::filesystem::path& configJson);
void writeConfigFile(const ModelConfig& config, const std::filesystem::path& configJson);

} // namespace cpo::model
