#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cpo::tokenize {

using TokenId = std::int32_t;

// Text <-> token ids, exactly as the original tokenizer of a checkpoint does it.
// Implementations are immutable after loading, so one instance may be shared across threads.
class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    // parseSpecial: when true, special tokens spelled in the text (e.g. "<|endoftext|>")
    // become their ids; when false they are encoded as plain text.
    virtual std::vector<TokenId> encode(std::string_view text, bool parseSpecial = false) const = 0;
    virtual std::string decode(std::span<const TokenId> ids) const = 0;

    virtual std::int64_t vocabSize() const = 0;
    virtual std::optional<TokenId> eosId() const = 0;
    virtual std::optional<TokenId> bosId() const = 0;
    // A short description for logs and the UI, e.g. "byte-level BPE (50257 tokens)".
    virtual std::string describe() const = 0;
};

// Loads whatever tokenizer PATH holds: a folder with `vocab.json` + `merges.txt`,
// `encoder.json` + `vocab.bpe`, `tokenizer.json` or `tokenizer.model`; or one of those files
// directly (a SentencePiece `.model`, a `tokenizer.json`). Throws cpo::Error naming the path
// and what was looked for.
std::unique_ptr<Tokenizer> loadTokenizer(const std::filesystem::path& path);

} // namespace cpo::tokenize
