#pragma once

#include "data/examples.h"
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

// The synthetic oracle task: a seeded random teacher transformer defines p*(y | x); prefixes
// and continuations are sampled from it, and its exact log-likelihood is a free, exact judge.
// The teacher's distribution is softmax(logits / temperature): data are sampled from exactly
// the distribution the judge scores.
//
// The defaults, measured (LibTorch 1.13, 1 thread): the teacher's exact entropy is 1.79 nats
// per continuation token (its own samples cost it 1.785; uniform would be ln 128 = 4.85;
// teacherInitStd 0.5 gives 2.55, 0.8 gives 1.54). A 2-layer d48 student trained by MLE for
// 2500 steps (batch 32, lr 3e-3, cosine) reaches a validation loss of 1.93 per token (2.01
// per symbol token, EOS excluded): it visibly under-fits, as the pilot in DESIGN.md did. At
// lr 1e-3 it is still at 3.05 after 2500 steps. Drawing the 20 000 training examples takes
// about 8 s on one core.
struct OracleOptions {
    std::uint64_t seed = 7;
    std::int64_t symbols = 128;            // vocabulary = symbols + 1 (EOS = symbols)
    std::int64_t prefixTokens = 16;
    std::int64_t continuationTokens = 24;  // then EOS
    std::int64_t teacherLayers = 1;
    std::int64_t teacherHidden = 32;
    std::int64_t teacherHeads = 4;
    double teacherInitStd = 0.7;           // every matrix; HF's 0.02 would give a flat teacher
    double temperature = 1.0;
    std::int64_t trainExamples = 20000;
    std::int64_t validationExamples = 500;
    std::int64_t testExamples = 500;

    // Throws cpo::Error naming the field when a value cannot form a task.
    void validate() const;
};

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
