#include "tokenize/bpe_files.h"

#include "util/bounded_read.h"
#include "util/error.h"
#include "util/json_parse.h"
#include "util/log.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <optional>

namespace cpo::tokenize {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string quoted(const fs::path& path)
{
    std::string text(1, '\'');
    text += path.string();
    text += '\'';
    return text;
}

std::string readFile(const fs::path& path)
{
    return readBoundedFile(path, kMaxTokenizerFileBytes, "tokenizer file");
}

json parseJson(const fs::path& path)
{
    try {
        return cpo::parseJsonBounded(readFile(path), path.string());
    } catch (const json::exception& e) {
        throw Error("tokenizer file " + quoted(path) + " is not valid JSON (" + e.what()
                    + "); re-download it or check that it is not truncated");
    }
}

// An id as the JSON holds it, checked before it narrows to TokenId: 2^32 + 60000 must not
// read as 60000, nor 10^15 as a negative number.
TokenId tokenIdOf(const json& id, const fs::path& path, const std::string& where,
                  const std::string& token)
{
    constexpr auto kLargest = std::numeric_limits<TokenId>::max();
    const bool fits = id.is_number_unsigned()
        ? id.get<std::uint64_t>() <= std::uint64_t(kLargest)
        : id.get<std::int64_t>() >= std::numeric_limits<TokenId>::min()
            && id.get<std::int64_t>() <= kLargest;
    if (!fits)
        throw Error(quoted(path) + ": " + where + " gives '" + token + "' the id " + id.dump()
                    + ", far beyond any vocabulary; the file is damaged");
    return static_cast<TokenId>(id.get<std::int64_t>());
}

std::unordered_map<std::string, TokenId> vocabFromJson(const json& object, const fs::path& path,
                                                       const std::string& where)
{
    if (!object.is_object())
        throw Error(quoted(path) + ": " + where + " must be a JSON object of token -> id");
    std::unordered_map<std::string, TokenId> vocab;
    vocab.reserve(object.size());
    for (const auto& [token, id] : object.items()) {
        if (!id.is_number_integer())
            throw Error(quoted(path) + ": " + where + " maps '" + token
                        + "' to a non-integer id " + id.dump());
        vocab.emplace(token, tokenIdOf(id, path, where, token));
    }
    return vocab;
}

// "left right" as two tokens; nothing when the line is not exactly two tokens and one space.
std::optional<std::pair<std::string, std::string>> splitMerge(std::string_view line)
{
    const std::size_t space = line.find(' ');
    if (space == std::string_view::npos || space == 0 || space + 1 == line.size()
        || line.find(' ', space + 1) != std::string_view::npos)
        return std::nullopt;
    return std::pair{std::string(line.substr(0, space)), std::string(line.substr(space + 1))};
}

std::vector<std::pair<std::string, std::string>> readMerges(const fs::path& path)
{
    const std::string text = readFile(path);
    std::vector<std::pair<std::string, std::string>> merges;
    std::size_t lineNumber = 0;
    for (std::size_t start = 0; start < text.size();) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        std::string_view line(text.data() + start, end - start);
        start = end + 1;
        ++lineNumber;
        if (line.ends_with('\r'))
            line.remove_suffix(1);
        if (line.empty() || (lineNumber == 1 && line.starts_with("#version")))
            continue;
        auto merge = splitMerge(line);
        if (!merge)
            throw Error(quoted(path) + " line " + std::to_string(lineNumber) + ": expected a "
                        + "merge \"left right\" (two tokens, one space), got '"
                        + std::string(line) + "'");
        merges.push_back(std::move(*merge));
    }
    return merges;
}

std::vector<std::pair<std::string, std::string>> mergesFromJson(const json& array,
                                                                const fs::path& path)
{
    if (!array.is_array())
        throw Error(quoted(path) + ": model.merges must be an array");
    std::vector<std::pair<std::string, std::string>> merges;
    merges.reserve(array.size());
    for (std::size_t i = 0; i < array.size(); ++i) {
        const json& merge = array[i];
        // Older files write "left right", newer ones ["left", "right"] (tokens may hold spaces).
        auto pair = merge.is_string() ? splitMerge(merge.get<std::string>()) : std::nullopt;
        if (pair)
            merges.push_back(std::move(*pair));
        else if (merge.is_array() && merge.size() == 2 && merge[0].is_string()
                 && merge[1].is_string())
            merges.emplace_back(merge[0].get<std::string>(), merge[1].get<std::string>());
        else
            throw Error(quoted(path) + ": model.merges[" + std::to_string(i) + "] must be "
                        + "\"left right\" or [\"left\", \"right\"], got " + merge.dump());
    }
    return merges;
}

// What a pipeline section is, for messages: its "type", never its whole (vocabulary-sized) body.
std::string typeOf(const json& section)
{
    if (section.is_object())
        return section.contains("type") && section["type"].is_string()
                   ? section["type"].get<std::string>()
                   : "(an object without \"type\")";
    return section.dump().substr(0, 40);
}

void refuse(const fs::path& path, const std::string& what, const std::string& value)
{
    throw Error(quoted(path) + ": unsupported " + what + " '" + value + "'; only GPT-2 style "
                + "byte-level BPE (model.type \"BPE\", a ByteLevel pre_tokenizer, no normalizer) "
                + "is read from tokenizer.json. For a SentencePiece model (Llama) load its "
                + "tokenizer.model instead");
}

bool isNullOrEmpty(const json& object, const char* key)
{
    return !object.contains(key) || object[key].is_null()
           || (object[key].is_string() && object[key].get<std::string>().empty());
}

void checkPipeline(const json& root, const fs::path& path)
{
    if (root.contains("normalizer") && !root["normalizer"].is_null())
        refuse(path, "normalizer", typeOf(root["normalizer"]));
    const json& pre = root.contains("pre_tokenizer") ? root["pre_tokenizer"] : json();
    if (typeOf(pre) != "ByteLevel")
        refuse(path, "pre_tokenizer", typeOf(pre));
    if (!pre.value("use_regex", true))
        refuse(path, "pre_tokenizer", "ByteLevel with use_regex false");
    const json& model = root["model"];
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"})
        if (!isNullOrEmpty(model, key))
            refuse(path, std::string("model.") + key, model[key].dump());
    if (model.value("ignore_merges", false))
        refuse(path, "model.ignore_merges", "true");
    if (!isNullOrEmpty(model, "dropout"))
        log::get("tokenize")->warn("{}: ignoring BPE dropout {} (a training-time option)",
                                   path.string(), model["dropout"].dump());
}

std::vector<SpecialToken> addedTokens(const json& root, const fs::path& path)
{
    std::vector<SpecialToken> tokens;
    if (!root.contains("added_tokens") || root["added_tokens"].is_null())
        return tokens;
    for (const json& added : root["added_tokens"]) {
        if (!added.is_object() || !added.contains("id") || !added["id"].is_number_integer()
            || !added.contains("content") || !added["content"].is_string())
            throw Error(quoted(path) + ": each added_tokens entry needs an integer \"id\" and a "
                        + "string \"content\", got " + added.dump());
        const auto content = added["content"].get<std::string>();
        tokens.push_back({content, tokenIdOf(added["id"], path, "added_tokens", content)});
    }
    return tokens;
}

BpeModelData bpeFromTokenizerJson(const json& root, const fs::path& path)
{
    if (!root.is_object() || !root.contains("model") || !root["model"].is_object())
        throw Error(quoted(path) + ": no \"model\" object; is this a Hugging Face "
                    + "tokenizer.json?");
    const json& model = root["model"];
    if (typeOf(model) != "BPE")
        refuse(path, "model.type", typeOf(model));
    checkPipeline(root, path);
    if (!model.contains("vocab") || !model.contains("merges"))
        throw Error(quoted(path) + ": model needs \"vocab\" and \"merges\"");
    BpeModelData data;
    data.vocab = vocabFromJson(model["vocab"], path, "model.vocab");
    data.merges = mergesFromJson(model["merges"], path);
    data.specialTokens = addedTokens(root, path);
    data.addPrefixSpace = root["pre_tokenizer"].value("add_prefix_space", false);
    data.source = quoted(path);
    return data;
}

} // namespace

BpeModelData readVocabAndMerges(const fs::path& vocabJson, const fs::path& mergesTxt)
{
    BpeModelData data;
    data.vocab = vocabFromJson(parseJson(vocabJson), vocabJson, "the vocabulary");
    data.merges = readMerges(mergesTxt);
    if (const auto it = data.vocab.find("<|endoftext|>"); it != data.vocab.end())
        data.specialTokens.push_back({it->first, it->second});
    data.source = quoted(vocabJson) + " + " + quoted(mergesTxt);
    return data;
}

BpeModelData readHfTokenizerJson(const fs::path& tokenizerJson)
{
    const json root = parseJson(tokenizerJson);
    // The checks name what they expect; a field of the wrong JSON type is caught here.
    try {
        return bpeFromTokenizerJson(root, tokenizerJson);
    } catch (const json::exception& e) {
        throw Error(quoted(tokenizerJson) + ": unexpected content (" + e.what()
                    + "); is this a Hugging Face tokenizer.json?");
    }
}

std::unique_ptr<ByteLevelBpe> loadVocabAndMerges(const fs::path& vocabJson,
                                                 const fs::path& mergesTxt)
{
    return std::make_unique<ByteLevelBpe>(readVocabAndMerges(vocabJson, mergesTxt));
}

std::unique_ptr<ByteLevelBpe> loadHfTokenizerJson(const fs::path& tokenizerJson)
{
    return std::make_unique<ByteLevelBpe>(readHfTokenizerJson(tokenizerJson));
}

} // namespace cpo::tokenize
