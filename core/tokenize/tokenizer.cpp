#include "tokenize/tokenizer.h"

#include "tokenize/bpe_files.h"
#include "tokenize/sentencepiece_tokenizer.h"
#include "util/error.h"
#include "util/log.h"

namespace cpo::tokenize {
namespace {

namespace fs = std::filesystem;

constexpr char kLookedFor[] =
    "tokenizer.model (SentencePiece), tokenizer.json (Hugging Face), vocab.json + merges.txt, "
    "or encoder.json + vocab.bpe";

bool bothExist(const fs::path& folder, const char* first, const char* second)
{
    return fs::is_regular_file(folder / first) && fs::is_regular_file(folder / second);
}

// A folder may hold several layouts (an HF GPT-2 folder has tokenizer.json and vocab.json +
// merges.txt; a Llama folder tokenizer.model and tokenizer.json). Prefer the original:
// SentencePiece's own model first, then tokenizer.json, which also lists the added tokens.
std::unique_ptr<Tokenizer> loadFolder(const fs::path& folder)
{
    if (fs::is_regular_file(folder / "tokenizer.model"))
        return std::make_unique<SentencePieceTokenizer>(folder / "tokenizer.model");
    if (fs::is_regular_file(folder / "tokenizer.json"))
        return loadHfTokenizerJson(folder / "tokenizer.json");
    if (bothExist(folder, "vocab.json", "merges.txt"))
        return loadVocabAndMerges(folder / "vocab.json", folder / "merges.txt");
    if (bothExist(folder, "encoder.json", "vocab.bpe"))
        return loadVocabAndMerges(folder / "encoder.json", folder / "vocab.bpe");
    throw Error("no tokenizer in folder '" + folder.string() + "': looked for " + kLookedFor);
}

std::unique_ptr<Tokenizer> loadFile(const fs::path& file)
{
    const std::string name = file.filename().string();
    // One half of a two-file layout stands for its folder.
    if (name == "vocab.json" || name == "merges.txt" || name == "encoder.json"
        || name == "vocab.bpe")
        return loadFolder(file.parent_path());
    if (file.extension() == ".model")
        return std::make_unique<SentencePieceTokenizer>(file);
    if (file.extension() == ".json")
        return loadHfTokenizerJson(file);
    throw Error("'" + file.string() + "' is not a tokenizer file: expected a SentencePiece "
                + ".model, a tokenizer.json, or a folder with " + kLookedFor);
}

} // namespace

std::unique_ptr<Tokenizer> loadTokenizer(const fs::path& path)
{
    std::error_code error;
    const fs::file_status status = fs::status(path, error);
    if (!fs::exists(status))
        throw Error("tokenizer path '" + path.string() + "' does not exist: give a folder with "
                    + kLookedFor + ", or one of those files");
    auto tokenizer = fs::is_directory(status) ? loadFolder(path) : loadFile(path);
    log::get("tokenize")->debug("loaded {}", tokenizer->describe());
    return tokenizer;
}

} // namespace cpo::tokenize
