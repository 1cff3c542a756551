#include "tokenize/sentencepiece_tokenizer.h"

#include "util/error.h"
#include "util/log.h"

#include <string>

namespace cpo::tokenize {
namespace {

namespace fs = std::filesystem;

std::optional<TokenId> optionalId(int id)
{
    return id < 0 ? std::nullopt : std::optional<TokenId>(id);
}

std::vector<SpecialToken> controlPieces(const SpmProcessor& processor)
{
    std::vector<SpecialToken> tokens;
    for (int id = 0; id < processor.pieceSize(); ++id)
        if (processor.isControlOrUnknown(id))
            tokens.push_back({processor.idToPiece(id), id});
    return tokens;
}

std::string flag(bool value) { return value ? "true" : "false"; }

void checkTrainingOptions(const SentencePieceTrainingOptions& options)
{
    if (!fs::is_regular_file(options.corpus))
        throw Error("SentencePiece corpus '" + options.corpus.string()
                    + "' is not a readable file: write the training text there first");
    if (options.modelPrefix.empty())
        throw Error("SentencePiece training needs a model prefix (the .model path minus .model)");
    if (options.vocabSize <= 3)
        throw Error("SentencePiece vocabulary size " + std::to_string(options.vocabSize)
                    + " is too small: it must exceed the 3 reserved pieces <unk>, <s>, </s>");
    if (options.byteFallback && options.vocabSize <= 256 + 3)
        throw Error("SentencePiece vocabulary size " + std::to_string(options.vocabSize)
                    + " is too small for byte fallback, which takes 256 byte pieces: raise it "
                    + "above 259 or turn byteFallback off");
}

SpmTrainerArguments trainerArguments(
    const SentencePieceTrainingOptions& options)
{
    return {
        {"input", options.corpus.string()},
        {"model_prefix", options.modelPrefix.string()},
        {"model_type", "bpe"},
        {"vocab_size", std::to_string(options.vocabSize)},
        {"character_coverage", std::to_string(options.characterCoverage)},
        {"byte_fallback", flag(options.byteFallback)},
        {"num_threads", std::to_string(options.numThreads)},
        {"input_sentence_size", std::to_string(options.maxSentences)},
        {"shuffle_input_sentence", flag(options.maxSentences > 0)},
        {"max_sentence_length", std::to_string(options.maxSentenceLength)},
        {"normalization_rule_name", "identity"},
        {"remove_extra_whitespaces", "false"},
        {"add_dummy_prefix", "true"},
        {"split_digits", "true"},
        {"allow_whitespace_only_pieces", "true"},
        {"unk_id", "0"},
        {"bos_id", "1"},
        {"eos_id", "2"},
        {"pad_id", "-1"},
        // A corpus too small for vocabSize gives a smaller model (trainSentencePiece warns)
        // where SentencePiece would refuse to train at all.
        {"hard_vocab_limit", "false"},
        {"minloglevel", "1"},
    };
}

} // namespace

SentencePieceTokenizer::SentencePieceTokenizer(const fs::path& model)
    : m_processor(openSpmModel(model.string()))
    , m_path(model)
{
    m_specials = SpecialTokenSplitter(controlPieces(*m_processor));
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

std::vector<TokenId> SentencePieceTokenizer::encode(std::string_view text,
                                                    bool parseSpecial) const
{
    std::vector<TokenId> ids;
    if (!parseSpecial) {
        encodeOrdinary(text, ids);
        return ids;
    }
    m_specials.split(
        text, [&](std::string_view piece) { encodeOrdinary(piece, ids); },
        [&](TokenId id) { ids.push_back(id); });
    return ids;
}

void SentencePieceTokenizer::encodeOrdinary(std::string_view text,
                                            std::vector<TokenId>& out) const
{
    std::vector<int> ids;
    if (const auto error = m_processor->encode(text, ids); !error.empty())
        throw Error("SentencePiece (" + m_path.string() + ") cannot encode the text: " + error);
    out.insert(out.end(), ids.begin(), ids.end());
}

std::string SentencePieceTokenizer::decode(std::span<const TokenId> ids) const
{
    for (const TokenId id : ids)
        if (id < 0 || id >= m_processor->pieceSize())
            throw Error("token id " + std::to_string(id) + " is not in the vocabulary of '"
                        + m_path.string() + "' (" + std::to_string(m_processor->pieceSize())
                        + " ids)");
    std::string text;
    if (const auto error = m_processor->decode(std::vector<int>(ids.begin(), ids.end()), text);
        !error.empty())
        throw Error("SentencePiece (" + m_path.string() + ") cannot decode: " + error);
    return text;
}

std::int64_t SentencePieceTokenizer::vocabSize() const { return m_processor->pieceSize(); }
std::optional<TokenId> SentencePieceTokenizer::eosId() const
{
    return optionalId(m_processor->eosId());
}
std::optional<TokenId> SentencePieceTokenizer::bosId() const
{
    return optionalId(m_processor->bosId());
}

std::string SentencePieceTokenizer::describe() const
{
    return "SentencePiece (" + std::to_string(vocabSize()) + " pieces) from '"
           + m_path.string() + "'";
}

fs::path trainSentencePiece(const SentencePieceTrainingOptions& options)
{
    checkTrainingOptions(options);
    log::get("tokenize")->info("training a SentencePiece BPE model ({} pieces) on {}",
                               options.vocabSize, options.corpus.string());
    try {
        trainSpmModel(trainerArguments(options), options.seed);
    } catch (const Error& e) {
        throw Error("on '" + options.corpus.string() + "': " + e.what());
    }
    fs::path model = options.modelPrefix.string() + ".model";
    if (const SentencePieceTokenizer trained(model); trained.vocabSize() < options.vocabSize)
        log::get("tokenize")->warn("{} has {} pieces, not {}: the corpus is too small for more",
                                   model.string(), trained.vocabSize(), options.vocabSize);
    return model;
}

} // namespace cpo::tokenize
