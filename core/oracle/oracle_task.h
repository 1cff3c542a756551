#pragma once

#include "data/examples.h"
#include "oracle/oracle_options.h"
#include "data/splits.h"
#include "model/causal_lm.h"
#include "tokenize/tokenizer.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cpo::data {

// One teacher sample and what it cost the teacher: the exact log p*(continuation | prefix).
struct OracleSample {
    TokenizedExample example;
    double logLikelihood = 0.0;
};

// The teacher and everything it defines.
//
// How an example is drawn (one batched pass with a KV cache):
// - the first prefix token is uniform over the symbols, so prefixes cover the whole
//   vocabulary instead of the few paths a fixed start symbol would lead to; the other
//   prefixTokens - 1 are sampled from the teacher;
// - then continuationTokens tokens are sampled from softmax(logits / temperature) over the
//   symbols only (EOS is forbidden inside), and EOS is appended.
// Prefix and continuation tokens come from the same distribution; only the continuation is
// scored. Each split is drawn from its own seed (derived from options.seed), in fixed-size
// chunks with their own generators, so an example depends only on the seed, its split and its
// index, never on how many examples are asked for.
class OracleTask {
public:
    // Builds the teacher from options.seed. The global torch generator is left untouched.
    explicit OracleTask(OracleOptions options);

    // A teacher saved by save(): its HF folder and oracle.json. Throws cpo::Error naming the
    // file when one is missing or does not match the other.
    static OracleTask load(const std::filesystem::path& folder);
    // Writes config.json + model.safetensors (saveHfModel) and oracle.json (the options).
    void save(const std::filesystem::path& folder) const;

    const OracleOptions& options() const { return m_options; }
    model::CausalLMImpl& teacher() const { return *m_teacher; }
    tokenize::TokenId eosId() const { return static_cast<tokenize::TokenId>(m_options.symbols); }

    // The examples of one split (trainExamples / validationExamples / testExamples of them).
    std::vector<TokenizedExample> examples(Split split) const;
    // `count` samples drawn from `seed`, with the teacher's log-likelihood of each.
    std::vector<OracleSample> sample(std::int64_t count, std::uint64_t seed) const;

    // The exact log p*(continuation | prefix) of each pair, summed over the continuation's
    // symbol tokens. The EOS after the continuationTokens-th symbol has probability 1 by
    // construction and adds 0. Continuations the teacher can never produce get -infinity:
    // an EOS or an out-of-range id among the first continuationTokens tokens, anything but
    // EOS after them, or any token after that EOS. A continuation that stops short without
    // an EOS (a generation cut at a length limit) gets the probability of its tokens so far.
    // Throws cpo::Error when a prefix is empty, holds an id outside the symbols, or is longer
    // than the teacher's positions allow.
    std::vector<double> logLikelihood(std::span<const std::vector<tokenize::TokenId>> prefixes,
                                      std::span<const std::vector<tokenize::TokenId>>
                                          continuations) const;

private:
    OracleTask(OracleOptions options, model::CausalLM teacher);
    std::vector<OracleSample> sampleChunk(std::uint64_t seed) const; // one full chunk

    OracleOptions m_options;
    model::CausalLM m_teacher;
};

// The teacher's model config for these options: GPT-2, vocab symbols + 1, EOS = symbols,
// positions prefix + continuation + 1.
model::ModelConfig oracleModelConfig(const OracleOptions& options);

// Symbol ids as text for display: symbol 17 is "s17", EOS is "<eos>", tokens separated by
// single spaces. encode() parses that back (whitespace-separated); "<eos>" only with
// parseSpecial, as a real tokenizer treats its special tokens. Anything else throws
// cpo::Error naming the piece.
class OracleTokenizer : public tokenize::Tokenizer {
public:
    explicit OracleTokenizer(std::int64_t symbols) : m_symbols(symbols) {}

    std::vector<tokenize::TokenId> encode(std::string_view text,
                                          bool parseSpecial = false) const override;
    std::string decode(std::span<const tokenize::TokenId> ids) const override;
    std::int64_t vocabSize() const override { return m_symbols + 1; }
    std::optional<tokenize::TokenId> eosId() const override
    {
        return static_cast<tokenize::TokenId>(m_symbols);
    }
    std::optional<tokenize::TokenId> bosId() const override { return std::nullopt; }
    std::string describe() const override;

private:
    std::int64_t m_symbols;
};

} // namespace cpo::data
