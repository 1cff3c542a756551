#include "engine/prepared_data.h"

#include "data/debian_packages.h"
#include "data/instruction_jsonl.h"
#include "data/splits.h"
#include "data/text_corpus.h"
#include "hub/hub_fetch.h"
#include "tokenize/sentencepiece_tokenizer.h"
#include "util/error.h"

#include <algorithm>
#include <fstream>
#include <system_error>

#include <unistd.h>

namespace cpo::engine {
namespace {

namespace fs = std::filesystem;
using hub::HubContent;

// A path as given, or the local files of a Hub reference (from the cache once a run pinned it).
fs::path localPath(const std::string& pathOrReference, HubContent content)
{
    return hub::resolvePath(pathOrReference, content).path;
}

data::SplitFractions fractions(const SplitSpec& splits)
{
    return {1.0 - splits.validation - splits.test, splits.validation, splits.test};
}

data::InstructionJsonlOptions instructionOptions(const InstructionJsonlSpec& spec)
{
    data::InstructionJsonlOptions options;
    if (spec.fieldsPreset.empty())
        options.fields = {spec.fields.instruction, spec.fields.context, spec.fields.response,
                          spec.fields.category};
    else
        options.fields = data::FieldMapping::preset(spec.fieldsPreset);
    options.prompt.withContext = spec.promptTemplate;
    options.prompt.withoutContext = spec.promptTemplateNoContext;
    options.maxBadFraction = spec.maxBadFraction;
    return options;
}

// One line per text: SentencePiece reads its corpus line by line.
fs::path writeCorpus(const std::vector<data::TextExample>& examples, const fs::path& file)
{
    fs::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    for (const auto& example : examples)
        out << example.prompt << '\n' << example.continuation << '\n';
    if (!out)
        throw Error(file.string() + ": cannot write the tokenizer training corpus");
    return file;
}

// A folder of .txt files is concatenated, in name order, for SentencePiece.
fs::path corpusFileFor(const fs::path& path, const fs::path& runDir)
{
    if (!fs::is_directory(path))
        return path;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(path))
        if (entry.is_regular_file() && entry.path().extension() == ".txt")
            files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    const fs::path joined = runDir / "tokenizer" / "corpus.txt";
    fs::create_directories(joined.parent_path());
    std::ofstream out(joined, std::ios::binary);
    for (const auto& file : files)
        out << std::ifstream(file, std::ios::binary).rdbuf() << '\n';
    return joined;
}

std::shared_ptr<const tokenize::Tokenizer>
trainedTokenizer(const SentencePieceTrainSpec& spec, const fs::path& corpus,
                 const fs::path& runDir, const StatusCallback& status)
{
    status("training a SentencePiece BPE tokenizer (vocabulary " +
           std::to_string(spec.vocabSize) + ") on " + corpus.string());
    tokenize::SentencePieceTrainingOptions options;
    options.corpus = corpus;
    options.modelPrefix = runDir / "tokenizer" / "spm";
    options.vocabSize = static_cast<int>(spec.vocabSize);
    options.characterCoverage = spec.characterCoverage;
    fs::create_directories(options.modelPrefix.parent_path());
    return tokenize::loadTokenizer(tokenize::trainSentencePiece(options));
}

// The tokenizer an experiment names; `corpus` makes the training text when one is trained.
std::shared_ptr<const tokenize::Tokenizer>
resolveTokenizer(const ExperimentConfig& config, const fs::path& runDir,
                 const std::function<fs::path()>& corpus, const StatusCallback& status)
{
    if (config.tokenizer && !config.tokenizer->path.empty())
        return tokenize::loadTokenizer(localPath(config.tokenizer->path, HubContent::Tokenizer));
    if (config.tokenizer && config.tokenizer->trainSentencePiece)
        return trainedTokenizer(*config.tokenizer->trainSentencePiece, corpus(), runDir, status);
    if (!config.model.path.empty())
        return tokenize::loadTokenizer(localPath(config.model.path, HubContent::Model));
    throw Error("experiment '" + config.name + "': no tokenizer: set tokenizer.path, "
                "tokenizer.train_sentencepiece, or model.path to a folder with tokenizer files");
}

// Tokenizes and splits text examples, with `tokenizer` or else the one the config names.
PreparedData fromTexts(const ExperimentConfig& config, std::vector<data::TextExample> texts,
                       const fs::path& runDir, const StatusCallback& status,
                       std::shared_ptr<const tokenize::Tokenizer> tokenizer = {})
{
    PreparedData prepared;
    prepared.tokenizer =
        tokenizer ? std::move(tokenizer)
                  : resolveTokenizer(
                        config, runDir,
                        [&] { return writeCorpus(texts, runDir / "tokenizer" / "corpus.txt"); },
                        status);
    const auto& spec = config.dataset;
    auto tokenized = data::tokenizeExamples(
        texts, *prepared.tokenizer,
        {static_cast<std::size_t>(spec.maxPrefixTokens),
         static_cast<std::size_t>(spec.maxContinuationTokens)});
    auto splits = data::splitExamples(std::move(tokenized.examples), fractions(spec.splits),
                                      config.seed);
    prepared.train = std::move(splits.train);
    prepared.validation = std::move(splits.validation);
    prepared.test = std::move(splits.test);
    return prepared;
}

PreparedData prepareOracle(const ExperimentConfig& config, const fs::path& runDir,
                           const StatusCallback& status)
{
    const auto& spec = config.dataset.oracle;
    const data::OracleOptions& options = spec;
    status("sampling the oracle task from its teacher (seed " + std::to_string(spec.seed) + ")");
    auto task = std::make_shared<data::OracleTask>(options);
    task->save(runDir / "teacher");

    PreparedData prepared;
    prepared.tokenizer = std::make_shared<data::OracleTokenizer>(options.symbols);
    prepared.train = task->examples(data::Split::Train);
    prepared.validation = task->examples(data::Split::Validation);
    prepared.test = task->examples(data::Split::Test);
    prepared.oracle = std::move(task);
    return prepared;
}

PreparedData prepareDebian(const ExperimentConfig& config, const fs::path& runDir,
                           const StatusCallback& status)
{
    const auto& spec = config.dataset.debianPackages;
    data::DebianDatasetOptions options;
    options.listsDir = spec.listsDir;
    options.outputJsonl = runDir / "data" / "debian-packages.jsonl";
    options.outputCorpus = runDir / "data" / "debian-packages.txt";
    options.sampleSize = static_cast<std::size_t>(spec.examples);
    fs::create_directories(options.outputJsonl.parent_path());
    status("building the Debian packages dataset from " + spec.listsDir);
    const auto report = data::buildDebianPackagesDataset(options);
    if (report.written == 0)
        throw Error("dataset.debian_packages: no package descriptions found under " +
                    spec.listsDir + " (run `apt-get update` first, or point lists_dir at a "
                    "folder of *_Packages files)");
    auto loaded = data::loadInstructionJsonl(options.outputJsonl, {});
    // A trained tokenizer learns from the clean descriptions, not the templated prompts.
    std::shared_ptr<const tokenize::Tokenizer> tokenizer;
    if (config.tokenizer && config.tokenizer->trainSentencePiece)
        tokenizer = trainedTokenizer(*config.tokenizer->trainSentencePiece, options.outputCorpus,
                                     runDir, status);
    return fromTexts(config, std::move(loaded.examples), runDir, status, std::move(tokenizer));
}

} // namespace

PreparedData prepareData(const ExperimentConfig& config, const fs::path& runDir,
                         const StatusCallback& status)
{
    const auto& spec = config.dataset;
    PreparedData prepared;
    switch (spec.kind) {
    case DatasetKind::Oracle:
        prepared = prepareOracle(config, runDir, status);
        break;
    case DatasetKind::InstructionJsonl: {
        auto loaded = data::loadInstructionJsonl(localPath(spec.instructionJsonl.path,
                                                           HubContent::DatasetFile),
                                                 instructionOptions(spec.instructionJsonl));
        prepared = fromTexts(config, std::move(loaded.examples), runDir, status);
        break;
    }
    case DatasetKind::TextCorpus: {
        const auto corpusPath = localPath(spec.textCorpus.path, HubContent::DatasetFile);
        prepared.tokenizer = resolveTokenizer(
            config, runDir, [&] { return corpusFileFor(corpusPath, runDir); }, status);
        data::TextCorpusOptions options;
        options.path = corpusPath;
        options.prefixTokens = static_cast<std::size_t>(spec.textCorpus.prefixTokens);
        options.continuationTokens = static_cast<std::size_t>(spec.textCorpus.continuationTokens);
        options.stride = static_cast<std::size_t>(spec.textCorpus.stride);
        auto corpus = data::loadTextCorpus(options, *prepared.tokenizer);
        auto splits = data::splitExamples(std::move(corpus.examples), fractions(spec.splits),
                                          config.seed);
        prepared.train = std::move(splits.train);
        prepared.validation = std::move(splits.validation);
        prepared.test = std::move(splits.test);
        break;
    }
    case DatasetKind::DebianPackages:
        prepared = prepareDebian(config, runDir, status);
        break;
    }
    if (prepared.train.empty())
        throw Error("experiment '" + config.name + "': the training split is empty; check the "
                    "dataset section and dataset.splits");
    prepared.description = std::string(toString(spec.kind)) + " — " +
                           std::to_string(prepared.train.size()) + " train / " +
                           std::to_string(prepared.validation.size()) + " validation / " +
                           std::to_string(prepared.test.size()) + " test examples, " +
                           prepared.tokenizer->describe();
    return prepared;
}

ExperimentConfig withRunTokenizer(const ExperimentConfig& config, const fs::path& runDir)
{
    ExperimentConfig again = config;
    if (config.tokenizer && config.tokenizer->trainSentencePiece) {
        const fs::path trained = runDir / "tokenizer" / "spm.model";
        if (!fs::is_regular_file(trained))
            throw Error(trained.string() + " is missing: the run trained its tokenizer "
                        "there, and its data cannot be tokenized the same way without it");
        again.tokenizer = TokenizerSpec{trained.string(), std::nullopt};
    }
    return again;
}

PreparedData prepareSplit(const ExperimentConfig& config, const fs::path& runDir,
                          data::Split split, const StatusCallback& status)
{
    const auto pick = [split](PreparedData& prepared) -> std::vector<data::TokenizedExample>& {
        switch (split) {
        case data::Split::Train: return prepared.train;
        case data::Split::Validation: return prepared.validation;
        case data::Split::Test: break;
        }
        return prepared.test;
    };
    PreparedData prepared;
    if (config.dataset.kind == DatasetKind::Oracle) {
        const fs::path teacher = runDir / "teacher";
        std::shared_ptr<const data::OracleTask> task;
        if (fs::is_directory(teacher)) {
            task = std::make_shared<data::OracleTask>(data::OracleTask::load(teacher));
        } else {
            status("no teacher under " + teacher.string() + "; drawing it again from seed " +
                   std::to_string(config.dataset.oracle.seed));
            task = std::make_shared<data::OracleTask>(config.dataset.oracle);
        }
        prepared.tokenizer = std::make_shared<data::OracleTokenizer>(task->options().symbols);
        pick(prepared) = task->examples(split);
        prepared.oracle = std::move(task);
    } else {
        const ExperimentConfig again = withRunTokenizer(config, runDir);
        // Only the Debian dataset writes (its JSONL); that goes to a scratch folder.
        const fs::path scratch = fs::temp_directory_path() /
                                 ("cpo-split-" + std::to_string(::getpid()));
        try {
            auto all = prepareData(again, scratch, status);
            prepared.tokenizer = std::move(all.tokenizer);
            pick(prepared) = std::move(pick(all));
        } catch (...) {
            std::error_code ignored;
            fs::remove_all(scratch, ignored);
            throw;
        }
        std::error_code ignored;
        fs::remove_all(scratch, ignored);
    }
    prepared.description = std::string(toString(config.dataset.kind)) + " — " +
                           std::to_string(pick(prepared).size()) + " " +
                           std::string(data::splitName(split)) + " examples, " +
                           prepared.tokenizer->describe();
    return prepared;
}

} // namespace cpo::engine
