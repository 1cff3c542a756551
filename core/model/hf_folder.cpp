#include "model/hf_folder.h"

#include "model/checksums.h"
#include "model/model_config.h"
#include "model/safetensors.h"
#include "util/error.h"
#include "util/json_parse.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>
#include <string_view>
#include <system_error>
#include <vector>

namespace cpo::model {
namespace {

constexpr char kConfigFile[] = "config.json";
constexpr char kWeightsFile[] = "model.safetensors";
constexpr char kIndexFile[] = "model.safetensors.index.json";
constexpr char kLmHead[] = "lm_head.weight";
constexpr std::size_t kMissingNamesShown = 5;

bool startsWith(std::string_view text, std::string_view prefix)
{
    return text.substr(0, prefix.size()) == prefix;
}

bool endsWith(std::string_view text, std::string_view suffix)
{
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string shapeString(torch::IntArrayRef shape)
{
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

// The prefix HF's base model puts on every name but the head's (`base_model_prefix`).
std::string basePrefix(Architecture arch)
{
    return arch == Architecture::Gpt2 ? "transformer." : "model.";
}

std::string embeddingName(Architecture arch)
{
    return basePrefix(arch) + (arch == Architecture::Gpt2 ? "wte.weight" : "embed_tokens.weight");
}

// Tensors HF stores but that are derived, not learned: GPT-2's causal-mask buffers and the
// rotary frequencies older Llama conversions saved. HF drops them on load; so do we.
bool isDerivedBuffer(std::string_view key)
{
    return endsWith(key, ".attn.bias") || endsWith(key, ".attn.masked_bias")
        || endsWith(key, ".rotary_emb.inv_freq");
}

// One weight file and the names an index says it holds (none for a lone model.safetensors).
struct WeightFile {
    std::filesystem::path path;
    std::vector<std::string> listed;
};

std::vector<WeightFile> shardsFromIndex(const std::filesystem::path& folder)
{
    const std::filesystem::path indexPath = folder / kIndexFile;
    const std::string where = indexPath.string() + ": ";
    std::ifstream in(indexPath);
    if (!in)
        throw Error(where + "cannot open");
    nlohmann::json index;
    try {
        index = parseJsonBounded(in, indexPath.string());
    } catch (const nlohmann::json::exception& error) {
        throw Error(where + "not valid JSON: " + error.what());
    }
    const auto weightMap = index.is_object() ? index.find("weight_map") : index.end();
    if (weightMap == index.end() || !weightMap->is_object())
        throw Error(where + "has no 'weight_map' object");

    std::map<std::string, std::vector<std::string>> byShard; // sorted: a stable load order
    for (const auto& [name, shard] : weightMap->items()) {
        if (!shard.is_string())
            throw Error(where + "weight_map entry '" + name + "' is not a file name");
        const std::string& file = shard.get_ref<const std::string&>();
        // A shard is a file of this folder; anything else (`../x`, `/x`) is a broken index.
        if (file.empty() || std::filesystem::path(file).filename() != file || file == "..")
            throw Error(where + "shard '" + file + "' is not a file name in the folder");
        byShard[file].push_back(name);
    }
    std::vector<WeightFile> shards;
    for (auto& [file, names] : byShard)
        shards.push_back({folder / file, std::move(names)});
    return shards;
}

std::vector<WeightFile> weightFiles(const std::filesystem::path& folder)
{
    if (std::filesystem::exists(folder / kWeightsFile))
        return {{folder / kWeightsFile, {}}};
    if (std::filesystem::exists(folder / kIndexFile))
        return shardsFromIndex(folder);
    const std::string where = folder.string() + ": ";
    if (std::filesystem::exists(folder / "pytorch_model.bin")
        || std::filesystem::exists(folder / "pytorch_model.bin.index.json")) {
        throw Error(where + "has only pytorch_model.bin weights; only safetensors is "
                    "supported. Convert it with Python transformers: AutoModelForCausalLM"
                    ".from_pretrained(folder).save_pretrained(folder, safe_serialization=True)");
    }
    throw Error(where + "no " + kWeightsFile + " or " + kIndexFile + " found");
}

// Copies file tensors into a model's parameters, checking each against what the model has,
// and at the end that every parameter was given a value.
class WeightLoader {
public:
    WeightLoader(CausalLMImpl& model, const std::filesystem::path& folder)
        : m_parameters(namedParameters(model)),
          m_config(model.config()),
          m_where(folder.string() + ": ")
    {
    }

    void load(const WeightFile& file)
    {
        const TensorMap tensors = readSafetensors(file.path);
        const std::string where = m_where + file.path.filename().string() + ": ";
        for (const std::string& name : file.listed) {
            if (!tensors.contains(name))
                throw Error(where + "the index lists tensor '" + name + "' but it is not here");
        }
        for (const auto& [key, tensor] : tensors) {
            if (!isDerivedBuffer(key))
                assign(parameterName(key), key, tensor, where);
        }
    }

    void finish() const
    {
        std::vector<std::string> missing;
        for (const auto& [name, parameter] : m_parameters) {
            if (!m_loaded.contains(name))
                missing.push_back(name);
        }
        if (!missing.empty())
            throw Error(m_where + "missing tensors: " + listNames(missing));
        checkTiedHead();
    }

private:
    // Our parameter name for a file key: HF also accepts keys without the base model's prefix
    // (GPT-2's original files have `h.0.attn.c_attn.weight`, not `transformer.h.0...`).
    std::string parameterName(const std::string& key) const
    {
        const std::string prefix = basePrefix(m_config.arch);
        return key == kLmHead || startsWith(key, prefix) ? key : prefix + key;
    }

    void assign(const std::string& name, const std::string& key, const torch::Tensor& value,
                const std::string& where)
    {
        const bool tiedHead = name == kLmHead && m_config.tieWordEmbeddings;
        const auto parameter = m_parameters.find(tiedHead ? embeddingName(m_config.arch) : name);
        if (parameter == m_parameters.end())
            throw Error(where + "unexpected tensor '" + key + "': the " + toString(m_config.arch)
                        + " model described by " + kConfigFile + " has no such parameter");
        const bool seen = tiedHead ? m_tiedHead.defined() : m_loaded.contains(name);
        if (seen)
            throw Error(where + "tensor '" + key + "' appears twice (as '" + name + "')");
        if (value.sizes() != parameter->second.sizes())
            throw Error(where + "tensor '" + key + "' has shape " + shapeString(value.sizes())
                        + " but " + kConfigFile + " implies "
                        + shapeString(parameter->second.sizes()));
        if (!value.is_floating_point())
            throw Error(where + "tensor '" + key + "' has dtype "
                        + c10::toString(value.scalar_type()) + "; weights must be floating-point");
        // NaN weights would run, giving null logits and "!!!!!" text: refuse them by name.
        if (!torch::isfinite(value).all().item<bool>())
            throw Error(where + "tensor '" + key + "' holds NaN or infinite values: the file is "
                        "damaged or the training that wrote it diverged (use an earlier "
                        "checkpoint)");
        if (tiedHead) {
            m_tiedHead = value; // compared with the embedding once that is loaded
            return;
        }
        torch::NoGradGuard noGrad;
        parameter->second.copy_(value); // converts BF16/F16/F64 to the parameter's dtype
        m_loaded.insert(name);
    }

    // A stored head that is tied must be the embedding itself; a different one would be
    // silently dropped, changing the model, so it is an error rather than ignored.
    void checkTiedHead() const
    {
        if (!m_tiedHead.defined())
            return;
        const torch::Tensor& embedding = m_parameters.at(embeddingName(m_config.arch));
        if (!torch::equal(m_tiedHead.to(embedding.scalar_type()), embedding))
            throw Error(m_where + kLmHead + " differs from " + embeddingName(m_config.arch)
                        + " although " + kConfigFile + " ties them (tie_word_embeddings)");
    }

    static std::string listNames(const std::vector<std::string>& names)
    {
        std::string text;
        for (std::size_t i = 0; i < names.size() && i < kMissingNamesShown; ++i)
            text += (i ? ", " : "") + names[i];
        if (names.size() > kMissingNamesShown)
            text += " and " + std::to_string(names.size() - kMissingNamesShown) + " more";
        return text;
    }

    std::map<std::string, torch::Tensor> m_parameters;
    ModelConfig m_config;
    std::string m_where;
    std::set<std::string> m_loaded;
    torch::Tensor m_tiedHead;
};

} // namespace

CausalLM loadHfModel(const std::filesystem::path& folder, torch::Device device)
{
    if (!std::filesystem::is_directory(folder))
        throw Error(folder.string() + ": not a folder");
    verifyChecksums(folder); // a checkpoint's: a flipped byte is caught before it is used
    const std::vector<WeightFile> files = weightFiles(folder);
    CausalLM model = createModel(readConfigFile(folder / kConfigFile));
    WeightLoader loader(*model, folder);
    // One file at a time, so at most one shard's tensors are held besides the model.
    for (const WeightFile& file : files)
        loader.load(file);
    loader.finish();
    model->to(device);
    return model;
}

void saveHfModel(const CausalLMImpl& model, const std::filesystem::path& folder)
{
    std::error_code error;
    std::filesystem::create_directories(folder, error);
    if (error)
        throw Error(folder.string() + ": cannot create the folder: " + error.message());
    // Parameter names are HF's and a tied head is no parameter, so this is HF's layout.
    TensorMap tensors;
    for (const auto& [name, parameter] : namedParameters(model))
        tensors.emplace(name, parameter.detach());
    writeSafetensors(tensors, folder / kWeightsFile);
    writeConfigFile(model.config(), folder / kConfigFile);
}

} // namespace cpo::model
