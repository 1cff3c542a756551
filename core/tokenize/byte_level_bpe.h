#pragma once

#include "tokenize/pcre2_regex.h"
#include "tokenize/special_tokens.h"
#include "tokenize/tokenizer.h"

#include <array>
#include <cstdint>
#include <optional>
#include <functional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace cpo::tokenize {

// GPT-2's pre-tokenizer, the regular expression that cuts text into words before the merges:
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// with \s spelled out. GPT-2 runs it in Python's `regex`, whose \s is Unicode's White_Space,
// exactly [\t-\r\x{85}\p{Z}]; PCRE2's \s also matches U+180E (a space before Unicode 6.3).
inline constexpr std::string_view kGpt2PreTokenizerPattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\t-\r\x{85}\p{Z}\p{L}\p{N}]+)"
    R"(|[\t-\r\x{85}\p{Z}]+(?![^\t-\r\x{85}\p{Z}])|[\t-\r\x{85}\p{Z}]+)";

// GPT-2's bytes_to_unicode(): vocabulary files spell every byte as one printable character,
// the byte itself for printable Latin-1 and U+0100 + n for the n-th other byte.
// Returns the UTF-8 spelling of BYTES in that alphabet (the key under which vocab files store it).
std::string bytesToVocabSpelling(std::string_view bytes);

// The raw bytes a vocabulary string stands for. Characters outside the byte alphabet (added
// tokens such as "<pad>" written in plain text) stand for their own UTF-8 bytes.
std::string vocabSpellingToBytes(std::string_view token);

// Everything a byte-level BPE is made of, as the files state it; the loaders in bpe_files.h
// fill it. Token strings are in the bytes_to_unicode alphabet.
struct BpeModelData {
    std::unordered_map<std::string, TokenId> vocab;
    std::vector<std::pair<std::string, std::string>> merges; // by rank: earlier merges first
    std::vector<SpecialToken> specialTokens;                 // recognised with parseSpecial
    bool addPrefixSpace = false; // HF ByteLevel option: a space before text that lacks one
    std::string source;          // the file(s) it came from, for messages
};

// GPT-2's byte-level BPE (OpenAI's encoder.py, which HF's GPT2Tokenizer reproduces).
// Pre-tokenization uses kGpt2PreTokenizerPattern. Invalid UTF-8 never matches that pattern:
// each maximal run of invalid bytes becomes a pre-token of its own and goes through the byte
// alphabet and the merges like any other, so encode() accepts every byte string and
// decode(encode(x)) == x holds for all of them, valid UTF-8 or not.
class ByteLevelBpe final : public Tokenizer {
public:
    // Throws cpo::Error (naming data.source) when a merge or a byte has no vocabulary entry.
    explicit ByteLevelBpe(BpeModelData data);

    std::vector<TokenId> encode(std::string_view text, bool parseSpecial = false) const override;
    // Throws cpo::Error for an id outside the vocabulary.
    std::string decode(std::span<const TokenId> ids) const override;

    std::int64_t vocabSize() const override { return std::int64_t(m_idToBytes.size()); }
    std::optional<TokenId> eosId() const override { return m_eosId; }
    // GPT-2 prepends nothing to a text; its own sampling code starts from <|endoftext|>.
    std::optional<TokenId> bosId() const override { return std::nullopt; }
    std::string describe() const override;

private:
    struct Merge {
        std::int32_t rank;
        TokenId result;
    };
    static std::uint64_t pairKey(TokenId left, TokenId right)
    {
        return (std::uint64_t(std::uint32_t(left)) << 32) | std::uint32_t(right);
    }

    void buildVocabulary(const BpeModelData& data);
    void buildMerges(const BpeModelData& data);
    void encodeOrdinary(std::string_view text, std::vector<TokenId>& out) const;
    void encodePreToken(std::string_view bytes, std::vector<TokenId>& out) const;
    std::vector<TokenId> applyMerges(std::string_view bytes) const;

    Pcre2Regex m_preTokenizer{kGpt2PreTokenizerPattern};
    SpecialTokenSplitter m_specials;
    std::array<TokenId, 256> m_byteIds{};
    std::unordered_map<std::uint64_t, Merge> m_merges;
    std::vector<std::optional<std::string>> m_idToBytes; // nothing for ids the files skip
    std::optional<TokenId> m_eosId;
    bool m_addPrefixSpace = false;
    std::string m_source;

    // Pre-token -> ids. Text repeats its words, so this is most of the encoding speed. Shared
    // across threads: readers take the shared lock, an insertion the exclusive one.
    mutable std::shared_mutex m_cacheMutex;
    struct StringHash {
        using is_transparent = void; // look up by string_view without building a string
        std::size_t operator()(std::string_view text) const
        {
            return std::hash<std::string_view>{}(text);
        }
    };
    mutable std::unordered_map<std::string, std::vector<TokenId>, StringHash, std::equal_to<>>
        m_cache;
};

} // namespace cpo::tokenize
