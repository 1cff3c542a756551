#include "model/model_config.h"

#include "util/bounded_read.h"
#include "util/error.h"
#include "util/json_parse.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <type_traits>

namespace cpo::model {

namespace {

using nlohmann::json;

// Field names as the architecture's config.json spells them, so that an error points at the
// line a user would edit.
struct FieldNames {
    const char* vocab = "vocab_size";
    const char* hidden;
    const char* layers;
    const char* heads;
    const char* kvHeads;
    const char* intermediate;
    const char* positions;
    const char* eps;
};

FieldNames fieldNames(Architecture arch)
{
    if (arch == Architecture::Gpt2) {
        return {.hidden = "n_embd", .layers = "n_layer", .heads = "n_head",
                .kvHeads = "num_key_value_heads", .intermediate = "n_inner",
                .positions = "n_positions", .eps = "layer_norm_epsilon"};
    }
    return {.hidden = "hidden_size", .layers = "num_hidden_layers",
            .heads = "num_attention_heads", .kvHeads = "num_key_value_heads",
            .intermediate = "intermediate_size", .positions = "max_position_embeddings",
            .eps = "rms_norm_eps"};
}

[[noreturn]] void fail(const std::string& message)
{
    throw Error("model config: " + message);
}

void requirePositive(const char* field, std::int64_t value)
{
    if (value <= 0)
        fail(std::string(field) + " must be positive, got " + std::to_string(value));
}

// A field's value, or fallback when it is absent or null (HF's defaults). A value of the
// wrong type is an error naming the field rather than nlohmann's generic type_error.
template <typename T>
T field(const json& config, const char* name, T fallback)
{
    const auto it = config.find(name);
    if (it == config.end() || it->is_null())
        return fallback;
    try {
        if constexpr (std::is_same_v<T, std::int64_t>) {
            if (!it->is_number_integer())
                throw std::invalid_argument("not an integer");
        } else if constexpr (std::is_same_v<T, double>) {
            if (!it->is_number())
                throw std::invalid_argument("not a number");
        }
        return it->get<T>();
    } catch (const std::exception&) {
        fail(std::string("field ") + name + " has the wrong type (" + it->dump() + ")");
    }
}

std::optional<std::int64_t> optionalId(const json& config, const char* name,
                                       std::optional<std::int64_t> fallback)
{
    const auto it = config.find(name);
    if (it == config.end())
        return fallback;
    if (it->is_null())
        return std::nullopt;
    // Some configs list several end tokens; the first is the one generation stops on.
    if (it->is_array() && !it->empty() && it->front().is_number_integer())
        return it->front().get<std::int64_t>();
    if (!it->is_number_integer())
        fail(std::string("field ") + name + " must be an integer token id, got " + it->dump());
    return it->get<std::int64_t>();
}

json idOrNull(const std::optional<std::int64_t>& id)
{
    return id ? json(*id) : json(nullptr);
}

ModelConfig gpt2FromJson(const json& j)
{
    ModelConfig c;
    c.arch = Architecture::Gpt2;
    c.vocabSize = field<std::int64_t>(j, "vocab_size", 50257);
    c.hiddenSize = field<std::int64_t>(j, "n_embd", 768);
    c.numLayers = field<std::int64_t>(j, "n_layer", 12);
    c.numHeads = field<std::int64_t>(j, "n_head", 12);
    c.numKeyValueHeads = c.numHeads;
    // HF's default n_inner is 4 · n_embd; a size that overflows it is no model.
    std::int64_t fourTimesHidden = 0;
    if (__builtin_mul_overflow(c.hiddenSize, std::int64_t{4}, &fourTimesHidden))
        fail("n_embd " + std::to_string(c.hiddenSize) + " is too large");
    c.intermediateSize = field<std::int64_t>(j, "n_inner", fourTimesHidden);
    c.maxPositions = field<std::int64_t>(j, "n_positions", field<std::int64_t>(j, "n_ctx", 1024));
    c.normEps = field<double>(j, "layer_norm_epsilon", 1e-5);
    c.tieWordEmbeddings = field<bool>(j, "tie_word_embeddings", true);
    // GPT-2's <|endoftext|> is its last token (50256 of 50257): so for any vocabulary.
    c.bosTokenId = optionalId(j, "bos_token_id", c.vocabSize - 1);
    c.eosTokenId = optionalId(j, "eos_token_id", c.vocabSize - 1);
    const auto activation = field<std::string>(j, "activation_function", "gelu_new");
    if (activation != "gelu_new") {
        fail("activation_function \"" + activation +
             "\" is not supported for gpt2; only \"gelu_new\" (GPT-2's tanh GELU) is");
    }
    return c;
}

ModelConfig llamaFromJson(const json& j)
{
    ModelConfig c;
    c.arch = Architecture::Llama;
    c.vocabSize = field<std::int64_t>(j, "vocab_size", 32000);
    c.hiddenSize = field<std::int64_t>(j, "hidden_size", 4096);
    c.numLayers = field<std::int64_t>(j, "num_hidden_layers", 32);
    c.numHeads = field<std::int64_t>(j, "num_attention_heads", 32);
    c.numKeyValueHeads = field<std::int64_t>(j, "num_key_value_heads", c.numHeads);
    c.intermediateSize = field<std::int64_t>(j, "intermediate_size", 11008);
    c.maxPositions = field<std::int64_t>(j, "max_position_embeddings", 2048);
    c.normEps = field<double>(j, "rms_norm_eps", 1e-6);
    c.ropeTheta = field<double>(j, "rope_theta", 10000.0);
    c.tieWordEmbeddings = field<bool>(j, "tie_word_embeddings", false);
    c.bosTokenId = optionalId(j, "bos_token_id", 1);
    c.eosTokenId = optionalId(j, "eos_token_id", 2);

    const auto activation = field<std::string>(j, "hidden_act", "silu");
    if (activation != "silu")
        fail("hidden_act \"" + activation + "\" is not supported for llama; only \"silu\" is");
    if (const auto it = j.find("rope_scaling"); it != j.end() && !it->is_null()) {
        fail("rope_scaling " + it->dump() +
             " is not supported; only plain rotary embeddings (rope_scaling null) are");
    }
    if (field<bool>(j, "attention_bias", false))
        fail("attention_bias true is not supported for llama; projections have no bias");
    if (field<bool>(j, "mlp_bias", false))
        fail("mlp_bias true is not supported for llama; projections have no bias");
    const auto headDim = field<std::int64_t>(j, "head_dim", 0);
    std::int64_t headsTimesDim = 0;
    if (headDim != 0 && c.numHeads > 0 &&
        (__builtin_mul_overflow(headDim, c.numHeads, &headsTimesDim) ||
         headsTimesDim != c.hiddenSize)) {
        fail("head_dim " + std::to_string(headDim) + " is not hidden_size / " +
             "num_attention_heads; only head_dim = hidden_size / num_attention_heads is "
             "supported");
    }
    return c;
}

} // namespace

std::string toString(Architecture arch)
{
    switch (arch) {
    case Architecture::Gpt2:
        return "gpt2";
    case Architecture::Llama:
        return "llama";
    }
    throw Error("unknown architecture");
}

Architecture architectureFromString(const std::string& name)
{
    if (name == "gpt2")
        return Architecture::Gpt2;
    if (name == "llama")
        return Architecture::Llama;
    throw Error("unknown model_type \"" + name + "\": supported are \"gpt2\" and \"llama\"");
}

void ModelConfig::validate() const
{
    const FieldNames f = fieldNames(arch);
    requirePositive(f.vocab, vocabSize);
    requirePositive(f.hidden, hiddenSize);
    requirePositive(f.layers, numLayers);
    requirePositive(f.heads, numHeads);
    requirePositive(f.kvHeads, numKeyValueHeads);
    requirePositive(f.intermediate, intermediateSize);
    requirePositive(f.positions, maxPositions);
    if (arch == Architecture::Gpt2 && numKeyValueHeads != numHeads) {
        fail("num_key_value_heads (" + std::to_string(numKeyValueHeads) +
             ") must equal n_head for gpt2, which has no grouped-query attention");
    }
    if (hiddenSize % numHeads != 0) {
        fail(std::string(f.hidden) + " (" + std::to_string(hiddenSize) +
             ") is not divisible by " + f.heads + " (" + std::to_string(numHeads) + ")");
    }
    if (numHeads % numKeyValueHeads != 0) {
        fail(std::string(f.heads) + " (" + std::to_string(numHeads) +
             ") is not a multiple of " + f.kvHeads + " (" + std::to_string(numKeyValueHeads) +
             ")");
    }
    if (!(normEps > 0.0))
        fail(std::string(f.eps) + " must be positive, got " + std::to_string(normEps));
    if (arch == Architecture::Gpt2) {
        if (!tieWordEmbeddings)
            fail("tie_word_embeddings must be true for gpt2: its LM head is the embedding");
    } else {
        if (headDim() % 2 != 0) {
            fail("hidden_size / num_attention_heads (" + std::to_string(headDim()) +
                 ") must be even for rotary embeddings");
        }
        if (!(ropeTheta > 0.0))
            fail("rope_theta must be positive, got " + std::to_string(ropeTheta));
    }
    for (const auto& [name, id] : {std::pair{"bos_token_id", bosTokenId},
                                   std::pair{"eos_token_id", eosTokenId}}) {
        if (id && *id < 0)
            fail(std::string(name) + " must not be negative, got " + std::to_string(*id));
        if (id && *id >= vocabSize)
            fail(std::string(name) + " " + std::to_string(*id) + " is outside the vocabulary of "
                 + std::to_string(vocabSize) + " tokens (ids 0.." + std::to_string(vocabSize - 1)
                 + ")");
    }
}

ModelConfig configFromJson(const json& json)
{
    if (!json.is_object())
        fail("config.json must be a JSON object");
    const auto type = json.find("model_type");
    if (type == json.end() || !type->is_string())
        fail("model_type is missing (expected \"gpt2\" or \"llama\")");
    const Architecture arch = architectureFromString(type->get<std::string>());
    const ModelConfig config = arch == Architecture::Gpt2 ? gpt2FromJson(json)
                                                          : llamaFromJson(json);
    config.validate();
    return config;
}

nlohmann::json configToJson(const ModelConfig& c)
{
    c.validate();
    json j;
    if (c.arch == Architecture::Gpt2) {
        j = {{"activation_function", "gelu_new"},
             {"architectures", {"GPT2LMHeadModel"}},
             // The engine trains without dropout; say so, so HF fine-tuning behaves the same.
             {"attn_pdrop", 0.0},
             {"embd_pdrop", 0.0},
             {"resid_pdrop", 0.0},
             {"initializer_range", 0.02},
             {"layer_norm_epsilon", c.normEps},
             {"model_type", "gpt2"},
             {"n_ctx", c.maxPositions},
             {"n_embd", c.hiddenSize},
             {"n_head", c.numHeads},
             {"n_inner", c.intermediateSize},
             {"n_layer", c.numLayers},
             {"n_positions", c.maxPositions},
             {"scale_attn_weights", true},
             {"tie_word_embeddings", true}};
    } else {
        j = {{"architectures", {"LlamaForCausalLM"}},
             {"attention_bias", false},
             {"attention_dropout", 0.0},
             {"head_dim", c.headDim()},
             {"hidden_act", "silu"},
             {"hidden_size", c.hiddenSize},
             {"initializer_range", 0.02},
             {"intermediate_size", c.intermediateSize},
             {"max_position_embeddings", c.maxPositions},
             {"mlp_bias", false},
             {"model_type", "llama"},
             {"num_attention_heads", c.numHeads},
             {"num_hidden_layers", c.numLayers},
             {"num_key_value_heads", c.numKeyValueHeads},
             {"pretraining_tp", 1},
             {"rms_norm_eps", c.normEps},
             {"rope_scaling", nullptr},
             {"rope_theta", c.ropeTheta},
             {"tie_word_embeddings", c.tieWordEmbeddings}};
    }
    j["bos_token_id"] = idOrNull(c.bosTokenId);
    j["eos_token_id"] = idOrNull(c.eosTokenId);
    j["torch_dtype"] = "float32";
    j["use_cache"] = true;
    j["vocab_size"] = c.vocabSize;
    return j;
}

ModelConfig readConfigFile(const std::filesystem::path& configJson)
{
    const auto text = readBoundedFile(configJson, kMaxConfigFileBytes, "model config file");
    json j;
    try {
        j = parseJsonBounded(text, configJson.string());
    } catch (const json::exception& e) {
        throw Error(configJson.string() + ": not valid JSON (" + e.what() + ")");
    }
    try {
        return configFromJson(j);
    } catch (const Error& e) {
        throw Error(configJson.string() + ": " + e.what());
    }
}

void writeConfigFile(const ModelConfig& config, const std::filesystem::path& configJson)
{
    const std::string text = configToJson(config).dump(2) + "\n";
    std::ofstream out(configJson, std::ios::binary | std::ios::trunc);
    if (!out)
        throw Error("cannot write " + configJson.string());
    out << text;
    out.close();
    if (!out)
        throw Error("cannot write " + configJson.string());
}

} // namespace cpo::model
