#include "cli_common.h"
#include "number_checks.h"

#include "tokenize/sentencepiece_tokenizer.h"
#include "tokenize/tokenizer.h"
#include "util/log.h"

#include <memory>

namespace cpo::cli {
namespace {

struct TrainTokenizerOptions {
    CommonOptions common;
    std::string corpus;
    std::string out;
    int vocabSize = 8000;
    double characterCoverage = 1.0;
    std::uint32_t seed = 1234;
};

int runTrainTokenizer(const TrainTokenizerOptions& options)
{
    applyCommonOptions(options.common);
    tokenize::SentencePieceTrainingOptions training;
    training.corpus = options.corpus;
    training.modelPrefix = options.out;
    training.vocabSize = options.vocabSize;
    training.characterCoverage = options.characterCoverage;
    training.seed = options.seed;
    const auto model = tokenize::trainSentencePiece(training);
    const auto tokenizer = tokenize::loadTokenizer(model);
    if (options.common.json)
        printJson({{"model", model.string()}, {"vocab_size", tokenizer->vocabSize()}});
    else
        log::get("cpo")->info("wrote {}: {}", model.string(), tokenizer->describe());
    return 0;
}

} // namespace

void addTrainTokenizerCommand(CLI::App& app, Action& action)
{
    auto options = std::make_shared<TrainTokenizerOptions>();
    auto* command = app.add_subcommand(
        "train-tokenizer", "Train a SentencePiece BPE tokenizer (Llama-style) on a text file");
    command->add_option("--corpus", options->corpus, "UTF-8 text, one sentence or paragraph "
                                                     "per line")
        ->required();
    command->add_option("--out", options->out, "Model prefix: writes PREFIX.model and "
                                                "PREFIX.vocab")
        ->required();
    command->add_option("--vocab-size", options->vocabSize, "Pieces, > 259 (byte fallback)")
        ->capture_default_str();
    command->add_option("--character-coverage", options->characterCoverage,
                        "Share of characters with pieces of their own")
        ->capture_default_str()
        ->check(numberBetween(0.9, 1.0));
    command->add_option("--seed", options->seed, "Seed of SentencePiece's sampling")
        ->capture_default_str();
    addCommonOptions(*command, options->common);
    command->callback(
        [options, &action] { action = [options] { return runTrainTokenizer(*options); }; });
}

} // namespace cpo::cli
