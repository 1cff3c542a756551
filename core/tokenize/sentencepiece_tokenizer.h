#pragma once

#include "tokenize/special_tokens.h"
#include "tokenize/spm_module.h"
#include "tokenize/tokenizer.h"

#include <cstdint>
#include <filesystem>
#include <memory>

namespace cpo::tokenize {

// A SentencePiece model (Llama's `tokenizer.model`) through libsentencepiece itself (loaded
// through our module, see spm_module.h).
// encode() adds no BOS/EOS: callers put bosId()/eosId() where their format wants them.
// With parseSpecial, control and unknown pieces spelled in the text ("<s>", "</s>", "<unk>")
// become their ids and the text between them is encoded piece by piece, as HF's
// LlamaTokenizer (legacy) does; without it they are plain text, as in SentencePiece itself.
class SentencePieceTokenizer final : public Tokenizer {
public:
    // Throws cpo::Error naming MODEL when it cannot be read or is not a SentencePiece model.
    explicit SentencePieceTokenizer(const std::filesystem::path& model);
    ~SentencePieceTokenizer() override;

    std::vector<TokenId> encode(std::string_view text, bool parseSpecial = false) const override;
    std::string decode(std::span<const TokenId> ids) const override;

    std::int64_t vocabSize() const override;
    std::optional<TokenId> eosId() const override;
    std::optional<TokenId> bosId() const override;
    std::string describe() const override;

private:
    void encodeOrdinary(std::string_view text, std::vector<TokenId>& out) const;

    std::unique_ptr<SpmProcessor> m_processor;
    SpecialTokenSplitter m_specials;
    std::filesystem::path m_path;
};

// Settings for training a demo tokenizer from scratch. The fixed part follows Llama's own
// tokenizer: BPE, no text normalization and no whitespace folding (so decode(encode(x)) == x),
// a "▁" prefix, digits split, ids <unk> 0, <s> 1, </s> 2, no padding piece.
struct SentencePieceTrainingOptions {
    std::filesystem::path corpus;      // UTF-8 text, one sentence (or paragraph) per line
    std::filesystem::path modelPrefix; // writes modelPrefix.model and modelPrefix.vocab
    int vocabSize = 8000;              // with byteFallback it must exceed 256 + 3
    double characterCoverage = 1.0;    // share of characters that get pieces of their own
    bool byteFallback = true;          // unseen characters become byte pieces, not <unk>
    int numThreads = 1;                // a small count keeps training reproducible and polite
    std::uint32_t seed = 1234;         // for SentencePiece's sampling of input sentences
    std::int64_t maxSentences = 0;     // sample this many lines of the corpus; 0 reads them all
    int maxSentenceLength = 16384;     // longer lines (in bytes) are skipped
};

// Trains a SentencePiece BPE model and returns the path of the `.model` written. The same
// corpus and options give the same model. Throws cpo::Error with SentencePiece's reason (a
// missing corpus, a vocabulary too large for the corpus or too small for its characters).
std::filesystem::path trainSentencePiece(const SentencePieceTrainingOptions& options);

} // namespace cpo::tokenize
