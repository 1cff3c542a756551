#include "engine/experiment.h"

#include "engine/experiment_names.h"
#include "engine/experiment_readers.h"
#include "util/config_reader.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <string>

// Reading an experiment with validation: the top-level fields and blocks, then the checks
// that span blocks. The blocks' own readers are in experiment_readers.h.
namespace cpo::engine {
namespace {

using nlohmann::json;

bool isDevice(std::string_view device)
{
    if (device == "auto" || device == "cpu" || device == "cuda")
        return true;
    constexpr std::string_view kCudaPrefix = "cuda:";
    if (!device.starts_with(kCudaPrefix) || device.size() == kCudaPrefix.size())
        return false;
    const auto digits = device.substr(kCudaPrefix.size());
    unsigned index = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    return ec == std::errc() && end == digits.data() + digits.size();
}

// The top-level blocks, in the order they are read. A new block is one more line here (its
// reader in a file of its own) and one in toJson() (experiment_json.cpp).
void readBlocks(ObjectReader& root, ExperimentConfig& config)
{
    config.model = readModel(root);
    config.tokenizer = readTokenizer(root);
    config.dataset = readDataset(root);
    if (auto mle = root.object("mle"))
        config.mle = readMle(std::move(*mle));
    if (auto cpo = root.object("cpo"))
        config.cpo = readCpo(std::move(*cpo));
    if (auto eval = root.object("eval"))
        config.eval = readEvalSpec(std::move(*eval));
    if (auto output = root.object("output")) {
        config.outputDir = output->string("dir", config.outputDir);
        output->finish();
    }
}

// The longest sequence (prefix + continuation) the dataset can produce, when known.
std::int64_t longestSequence(const DatasetSpec& dataset)
{
    switch (dataset.kind) {
    case DatasetKind::Oracle:
        return dataset.oracle.prefixTokens + dataset.oracle.continuationTokens + 1; // + EOS
    case DatasetKind::TextCorpus:
        return dataset.textCorpus.prefixTokens + dataset.textCorpus.continuationTokens;
    case DatasetKind::InstructionJsonl:
    case DatasetKind::DebianPackages:
        return dataset.maxPrefixTokens + dataset.maxContinuationTokens;
    }
    return 0;
}

// Checks that span sections. They run only on a config without other problems, so a mistake
// is reported once rather than echoed by every check built on the value it broke.
void checkAcrossSections(const ExperimentConfig& config, ConfigIssues& issues)
{
    const bool oracle = config.dataset.kind == DatasetKind::Oracle;
    if (config.model.init) {
        if (!config.tokenizer && !oracle) {
            issues.add("model.init", "a model trained from scratch needs a vocabulary: give "
                                     "\"tokenizer\" (a path or train_sentencepiece), or use "
                                     "dataset kind \"oracle\"");
        }
        if (config.cpo && !config.mle) {
            issues.add("mle", "missing; a model trained from scratch (model.init) needs an MLE "
                              "phase before CPO (or give model.path to start from one)");
        }
        const auto& init = *config.model.init;
        const auto longest = longestSequence(config.dataset);
        if (init.arch == model::Architecture::Gpt2 && init.maxPositions < longest) {
            issues.add("model.init.max_positions",
                       std::to_string(init.maxPositions) + " is shorter than the dataset's "
                           "longest sequence (" + std::to_string(longest) +
                           " tokens, prefix + continuation); allowed: >= " +
                           std::to_string(longest) + " (gpt2's positions are learned)");
        }
    }
    if (config.tokenizer && oracle) {
        issues.add("tokenizer", "the oracle task has no text: its vocabulary is its symbols; "
                                "remove \"tokenizer\"");
    }
    if (config.tokenizer && config.tokenizer->trainSentencePiece && !config.model.path.empty()) {
        issues.add("tokenizer.train_sentencepiece",
                   "a trained model (model.path) comes with its own vocabulary; train a "
                   "tokenizer only for a model trained from scratch (model.init)");
    }
    if (!config.mle && !config.cpo)
        issues.add("", "no phase to run: give \"mle\", \"cpo\" or both");
    checkEvalSpec(config, issues);
}

} // namespace

ExperimentConfig parseExperiment(const json& document, std::string_view source)
{
    if (!document.is_object()) {
        throw ConfigError(source, {{"", "expected a JSON object at the top, got " +
                                            describeValue(document)}});
    }
    ConfigIssues issues;
    ObjectReader root(document, "", issues);
    ExperimentConfig config;
    config.name = root.requiredString("name").value_or("");
    config.description = root.string("description", config.description);
    config.seed = root.unsignedInteger("seed", config.seed);
    config.device = root.string("device", config.device);
    if (!isDevice(config.device)) {
        root.error("device", describeValue(config.device) +
                                 " is not allowed; allowed: \"auto\", \"cpu\", \"cuda\", "
                                 "\"cuda:N\" (N a GPU index)");
    }
    config.precision = fromName<model::Precision>(
        model::kPrecisionNames,
        root.choice("precision", std::string(model::toString(config.precision)),
                    model::kPrecisionNames));
    config.threads = root.integer("threads", config.threads, Range::closed(0, 4096));
    readBlocks(root, config);
    root.finish();
    if (issues.empty())
        checkAcrossSections(config, issues);
    if (!issues.empty())
        throw ConfigError(source, issues.all());
    return config;
}

ExperimentConfig loadExperiment(const std::filesystem::path& file,
                                std::span<const std::string> overrides)
{
    json document = readJsonWithComments(file);
    for (const auto& assignment : overrides)
        applyOverride(document, assignment);
    return parseExperiment(document, file.string());
}

} // namespace cpo::engine
