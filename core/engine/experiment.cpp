#include "engine/experiment.h"

#include "engine/config_reader.h"
#include "engine/hub_source.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/json_parse.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

namespace cpo::engine {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 2> kArchitectures{"gpt2", "llama"};
constexpr std::array<std::string_view, 4> kDatasetKinds{"oracle", "instruction_jsonl",
                                                        "text_corpus", "debian_packages"};
constexpr std::array<std::string_view, 3> kFieldPresets{"dolly", "alpaca", "prompt_response"};
constexpr std::array<std::string_view, 3> kSchedules{"constant", "linear", "cosine"};
constexpr std::array<std::string_view, 5> kSamplers{"an", "bn", "mn", "tn", "mix"};

// Sizes beyond these are typos, not experiments; the bounds keep products of them finite.
constexpr double kMaxCount = 1e12;
constexpr double kMaxDimension = 1 << 20;

constexpr Range kPositive = Range::atLeast(1);
constexpr Range kNonNegative = Range::atLeast(0);
constexpr Range kUnitOpen = Range::leftOpen(0, 1); // (0, 1]

template <std::size_t N>
std::size_t indexOf(const std::array<std::string_view, N>& names, std::string_view name)
{
    return static_cast<std::size_t>(std::ranges::find(names, name) - names.begin());
}

std::string_view archName(model::Architecture arch)
{
    return kArchitectures[static_cast<std::size_t>(arch)];
}

std::string_view scheduleName(train::LrSchedule schedule)
{
    return kSchedules[static_cast<std::size_t>(schedule)];
}

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

// Llama's rule (8/3 of the hidden size) rounded up to a multiple of 8, which keeps small
// from-scratch models small while staying friendly to vectorised kernels.
std::int64_t defaultIntermediateSize(model::Architecture arch, std::int64_t hiddenSize)
{
    if (arch == model::Architecture::Gpt2)
        return 4 * hiddenSize;
    const std::int64_t raw = (8 * hiddenSize + 2) / 3;
    return (raw + 7) / 8 * 8;
}

// ---- reading -------------------------------------------------------------------------------

train::OptimizerOptions readOptimizer(ObjectReader& in, train::OptimizerOptions defaults)
{
    train::OptimizerOptions out;
    out.lr = in.number("lr", defaults.lr, Range::leftOpen(0, 1));
    out.weightDecay = in.number("weight_decay", defaults.weightDecay, Range::atLeast(0));
    out.beta1 = in.number("beta1", defaults.beta1, Range::rightOpen(0, 1));
    out.beta2 = in.number("beta2", defaults.beta2, Range::rightOpen(0, 1));
    out.eps = in.number("eps", defaults.eps, Range::above(0));
    out.warmupSteps = in.integer("warmup_steps", defaults.warmupSteps, kNonNegative);
    const auto schedule = in.choice("schedule", std::string(scheduleName(defaults.schedule)),
                                    kSchedules);
    out.schedule = static_cast<train::LrSchedule>(indexOf(kSchedules, schedule));
    out.minLrRatio = in.number("min_lr_ratio", defaults.minLrRatio, Range::closed(0, 1));
    out.gradClip = in.number("grad_clip", defaults.gradClip, Range::atLeast(0));
    return out;
}

// Warmup longer than the phase means the learning rate never reaches its set value.
void checkWarmup(ObjectReader& in, std::int64_t warmupSteps, std::int64_t steps)
{
    if (warmupSteps > steps) {
        in.error("warmup_steps", std::to_string(warmupSteps) + " exceeds " +
                                     in.pathOf("steps") + " (" + std::to_string(steps) +
                                     "); allowed: <= steps");
    }
}

train::MleOptions readMle(ObjectReader in)
{
    const train::MleOptions defaults;
    train::MleOptions out;
    out.steps = in.integer("steps", defaults.steps, Range::closed(1, kMaxCount));
    out.batchSize = in.integer("batch_size", defaults.batchSize, Range::closed(1, kMaxDimension));
    out.gradAccumulation =
        in.integer("grad_accumulation", defaults.gradAccumulation, Range::closed(1, 1 << 16));
    out.optimizer = readOptimizer(in, defaults.optimizer);
    // The default warmup must not outlast a short phase (a quick `--set mle.steps=50`).
    if (!in.has("warmup_steps"))
        out.optimizer.warmupSteps = std::min(out.optimizer.warmupSteps, out.steps);
    out.evalEvery = in.integer("eval_every", defaults.evalEvery, kNonNegative);
    out.evalExamples = in.integer("eval_examples", defaults.evalExamples, kNonNegative);
    out.checkpointEvery = in.integer("checkpoint_every", defaults.checkpointEvery, kNonNegative);
    in.finish();
    checkWarmup(in, out.optimizer.warmupSteps, out.steps);
    return out;
}

MixWeights readMixWeights(ObjectReader in)
{
    const MixWeights defaults;
    MixWeights out;
    out.an = in.number("an", defaults.an, kNonNegative);
    out.bn = in.number("bn", defaults.bn, kNonNegative);
    out.mn = in.number("mn", defaults.mn, kNonNegative);
    out.tn = in.number("tn", defaults.tn, kNonNegative);
    in.finish();
    if (out.an + out.bn + out.mn + out.tn <= 0)
        in.issues().add(in.path(), "all weights are 0; at least one must be > 0");
    return out;
}

AnDecoding readAnDecoding(ObjectReader in)
{
    const AnDecoding defaults;
    AnDecoding out;
    out.temperature = in.number("temperature", defaults.temperature, Range::above(0));
    out.topK = in.integer("top_k", defaults.topK, kNonNegative);
    out.topP = in.number("top_p", defaults.topP, kUnitOpen);
    out.maxNewTokens = in.integer("max_new_tokens", defaults.maxNewTokens, kNonNegative);
    in.finish();
    return out;
}

bool usesBatchNegatives(const CpoSpec& cpo)
{
    return cpo.sampler == SamplerKind::Bn ||
           (cpo.sampler == SamplerKind::Mix && cpo.mixWeights.bn > 0);
}

CpoSpec readCpo(ObjectReader in)
{
    const CpoSpec defaults;
    CpoSpec out;
    out.steps = in.integer("steps", defaults.steps, Range::closed(1, kMaxCount));
    out.batchSize = in.integer("batch_size", defaults.batchSize, Range::closed(1, kMaxDimension));
    out.gradAccumulation =
        in.integer("grad_accumulation", defaults.gradAccumulation, Range::closed(1, 1 << 16));
    out.optimizer = readOptimizer(in, defaults.optimizer);
    out.k = in.integer("k", defaults.k, Range::closed(2, 1024));
    out.beta = in.number("beta", defaults.beta, Range::above(0));
    out.lambdaMle = in.number("lambda_mle", defaults.lambdaMle, kNonNegative);
    const auto sampler = in.choice("sampler", std::string(toString(defaults.sampler)), kSamplers);
    out.sampler = static_cast<SamplerKind>(indexOf(kSamplers, sampler));
    if (auto weights = in.object("mix_weights")) {
        if (out.sampler == SamplerKind::Mix)
            out.mixWeights = readMixWeights(std::move(*weights));
        else
            in.error("mix_weights", "given but sampler is \"" + sampler +
                                        "\"; mix_weights only apply to sampler \"mix\"");
    }
    if (in.has("mix_stratified")) {
        out.mixStratified = in.boolean("mix_stratified", defaults.mixStratified);
        if (out.sampler != SamplerKind::Mix)
            in.error("mix_stratified", "given but sampler is \"" + sampler +
                                           "\"; mix_stratified only applies to sampler \"mix\"");
    }
    out.mnFraction = in.number("mn_fraction", defaults.mnFraction, kUnitOpen);
    if (auto an = in.object("an"))
        out.an = readAnDecoding(std::move(*an));
    out.ranking = in.boolean("ranking", defaults.ranking);
    out.embeddingModel = in.string("embedding_model", defaults.embeddingModel);
    out.metricsEvery = in.integer("metrics_every", defaults.metricsEvery, kPositive);
    out.samplesEvery = in.integer("samples_every", defaults.samplesEvery, kNonNegative);
    out.checkpointEvery = in.integer("checkpoint_every", defaults.checkpointEvery, kNonNegative);
    out.evalEvery = in.integer("eval_every", defaults.evalEvery, kNonNegative);
    in.finish();
    checkWarmup(in, out.optimizer.warmupSteps, out.steps);
    if (!out.embeddingModel.empty() && !out.ranking) {
        in.error("embedding_model", "given but ranking is false; the embedding model only "
                                    "orders negatives for ranking");
    }
    // At the first step BN's rolling buffer of recent continuations is still empty, so a
    // one-row batch has no other row to take a negative from.
    if (usesBatchNegatives(out) && out.batchSize < 2) {
        in.error("batch_size",
                 "1 is too small for batch negatives (sampler \"" + sampler +
                     "\"): BN takes other rows' ground truths, topped up from a rolling buffer "
                     "of recent batches when batch_size < k, so at least 2 rows are needed; "
                     "allowed: >= 2 (>= k avoids the buffer)");
    }
    return out;
}

ModelInitSpec readModelInit(ObjectReader in)
{
    const std::size_t before = in.issues().size();
    ModelInitSpec out;
    const auto arch = in.requiredChoice("arch", kArchitectures);
    out.arch = arch ? static_cast<model::Architecture>(indexOf(kArchitectures, *arch))
                    : model::Architecture::Gpt2;
    const bool llama = out.arch == model::Architecture::Llama;
    const auto dimension = Range::closed(1, kMaxDimension);
    out.hiddenSize = in.requiredInteger("hidden_size", dimension).value_or(0);
    out.numLayers = in.requiredInteger("num_layers", Range::closed(1, 4096)).value_or(0);
    out.numHeads = in.requiredInteger("num_heads", Range::closed(1, 4096)).value_or(0);
    out.numKeyValueHeads = in.integer("num_kv_heads", out.numHeads, Range::closed(1, 4096));
    out.intermediateSize = in.integer(
        "intermediate_size", defaultIntermediateSize(out.arch, out.hiddenSize), dimension);
    out.maxPositions = in.integer("max_positions", out.maxPositions, dimension);
    if (llama)
        out.ropeTheta = in.number("rope_theta", out.ropeTheta, Range::above(0));
    else if (in.has("rope_theta"))
        in.error("rope_theta", "only applies to arch \"llama\" (gpt2 has learned positions)");
    out.tieWordEmbeddings = in.boolean("tie_word_embeddings", !llama);
    in.finish();
    if (in.issues().size() != before)
        return out; // the checks below need every number read correctly
    if (out.hiddenSize % out.numHeads != 0) {
        in.error("num_heads", std::to_string(out.numHeads) + " does not divide hidden_size " +
                                  std::to_string(out.hiddenSize) +
                                  "; allowed: a divisor of hidden_size");
    } else if (llama && out.hiddenSize / out.numHeads % 2 != 0) {
        in.error("num_heads", std::to_string(out.numHeads) + " gives an odd head size " +
                                  std::to_string(out.hiddenSize / out.numHeads) +
                                  "; rotary embeddings need an even one");
    }
    if (out.numHeads % out.numKeyValueHeads != 0) {
        in.error("num_kv_heads", std::to_string(out.numKeyValueHeads) +
                                     " does not divide num_heads " +
                                     std::to_string(out.numHeads) +
                                     "; allowed: a divisor of num_heads");
    }
    if (!llama && out.numKeyValueHeads != out.numHeads) {
        in.error("num_kv_heads", std::to_string(out.numKeyValueHeads) +
                                     " differs from num_heads; gpt2 has no grouped-query "
                                     "attention (only llama does)");
    }
    if (!llama && !out.tieWordEmbeddings)
        in.error("tie_word_embeddings", "false; gpt2 always ties its embeddings");
    return out;
}

ModelSpec readModel(ObjectReader& root)
{
    ModelSpec out;
    auto in = root.object("model");
    if (!in) {
        if (!root.has("model"))
            root.error("model", "missing; give {\"path\": ...} or {\"init\": {...}}");
        return out;
    }
    const bool hasPath = hasPathOrHub(*in);
    const bool hasInit = in->has("init");
    if (hasPath && hasInit) {
        in->issues().add(in->path(), "\"path\" and \"init\" are mutually exclusive: start "
                                     "from a trained model or train one from scratch");
    } else if (!hasPath && !hasInit) {
        in->issues().add(in->path(), "give either \"path\" (a Hugging Face model folder) or "
                                     "\"hub\" (a Hub repository, e.g. openai-community/gpt2) "
                                     "or \"init\" (an architecture to train from scratch)");
    }
    if (hasPath)
        out.path = readPathOrHub(*in, hub::RepoType::Model);
    if (auto init = in->object("init"))
        out.init = readModelInit(std::move(*init));
    in->finish();
    return out;
}

std::optional<TokenizerSpec> readTokenizer(ObjectReader& root)
{
    auto in = root.object("tokenizer");
    if (!in)
        return std::nullopt;
    TokenizerSpec out;
    const bool hasPath = hasPathOrHub(*in);
    const bool hasTrain = in->has("train_sentencepiece");
    if (hasPath == hasTrain) {
        in->issues().add(in->path(), "give exactly one of \"path\" (tokenizer files) and "
                                     "\"train_sentencepiece\" (train one on the dataset)");
    }
    if (hasPath)
        out.path = readPathOrHub(*in, hub::RepoType::Model);
    if (auto train = in->object("train_sentencepiece")) {
        SentencePieceTrainSpec spec;
        spec.vocabSize = train->integer("vocab_size", spec.vocabSize, Range::closed(16, 1 << 20));
        spec.characterCoverage =
            train->number("character_coverage", spec.characterCoverage, kUnitOpen);
        train->finish();
        out.trainSentencePiece = spec;
    }
    in->finish();
    return out;
}

OracleSpec readOracle(ObjectReader in)
{
    const std::size_t before = in.issues().size();
    const OracleSpec defaults;
    OracleSpec out;
    const auto dimension = Range::closed(1, kMaxDimension);
    out.seed = in.unsignedInteger("seed", defaults.seed);
    out.symbols = in.integer("symbols", defaults.symbols, Range::closed(2, kMaxDimension));
    out.prefixTokens = in.integer("prefix_tokens", defaults.prefixTokens, dimension);
    out.continuationTokens =
        in.integer("continuation_tokens", defaults.continuationTokens, dimension);
    out.teacherLayers = in.integer("teacher_layers", defaults.teacherLayers, Range::closed(1, 64));
    out.teacherHidden = in.integer("teacher_hidden", defaults.teacherHidden, dimension);
    out.teacherHeads = in.integer("teacher_heads", defaults.teacherHeads, Range::closed(1, 4096));
    out.teacherInitStd = in.number("teacher_init_std", defaults.teacherInitStd, Range::above(0));
    out.temperature = in.number("temperature", defaults.temperature, Range::above(0));
    out.trainExamples =
        in.integer("train_examples", defaults.trainExamples, Range::closed(1, kMaxCount));
    out.validationExamples = in.integer("validation_examples", defaults.validationExamples,
                                        Range::closed(1, kMaxCount));
    out.testExamples =
        in.integer("test_examples", defaults.testExamples, Range::closed(0, kMaxCount));
    in.finish();
    if (in.issues().size() == before && out.teacherHidden % out.teacherHeads != 0) {
        in.error("teacher_heads", std::to_string(out.teacherHeads) +
                                      " does not divide teacher_hidden " +
                                      std::to_string(out.teacherHidden) +
                                      "; allowed: a divisor of teacher_hidden");
    }
    return out;
}

// A template must show what it is used for (mirrors data::PromptTemplate::validate, so the
// mistake is reported with the rest of the file rather than when the data loads).
void checkTemplate(ObjectReader& in, std::string_view key, const std::string& text,
                   bool withContext)
{
    const bool hasInstruction = text.find("{instruction}") != std::string::npos;
    const bool hasContext = text.find("{context}") != std::string::npos;
    if (!hasInstruction)
        in.error(key, describeValue(text) + " lacks the {instruction} placeholder");
    if (withContext && !hasContext)
        in.error(key, describeValue(text) + " lacks the {context} placeholder");
    if (!withContext && hasContext)
        in.error(key, describeValue(text) + " asks for {context}, which is empty here");
}

InstructionFieldNames readFieldNames(ObjectReader in)
{
    InstructionFieldNames out;
    out.instruction = in.requiredString("instruction").value_or(out.instruction);
    out.context = in.string("context", out.context);
    out.response = in.requiredString("response").value_or(out.response);
    out.category = in.string("category", out.category);
    in.finish();
    return out;
}

InstructionJsonlSpec readInstructionJsonl(ObjectReader in)
{
    InstructionJsonlSpec out;
    out.path = readPathOrHub(in, hub::RepoType::Dataset);
    if (const json* fields = in.take("fields")) {
        if (fields->is_object()) {
            out.fieldsPreset.clear();
            out.fields = readFieldNames(ObjectReader(*fields, in.pathOf("fields"), in.issues()));
        } else {
            out.fieldsPreset = in.choice("fields", out.fieldsPreset, kFieldPresets);
        }
    }
    out.promptTemplate = in.string("template", out.promptTemplate);
    checkTemplate(in, "template", out.promptTemplate, true);
    out.promptTemplateNoContext = in.string("template_no_context", out.promptTemplateNoContext);
    checkTemplate(in, "template_no_context", out.promptTemplateNoContext, false);
    out.maxBadFraction = in.number("max_bad_fraction", out.maxBadFraction, Range::closed(0, 1));
    in.finish();
    return out;
}

TextCorpusSpec readTextCorpus(ObjectReader in)
{
    TextCorpusSpec out;
    const auto length = Range::closed(1, kMaxDimension);
    out.path = readPathOrHub(in, hub::RepoType::Dataset);
    out.prefixTokens = in.integer("prefix_tokens", out.prefixTokens, length);
    out.continuationTokens =
        in.integer("continuation_tokens", out.continuationTokens, Range::closed(2, kMaxDimension));
    out.stride = in.integer("stride", out.stride, Range::closed(0, kMaxDimension));
    in.finish();
    return out;
}

DebianPackagesSpec readDebianPackages(ObjectReader in)
{
    DebianPackagesSpec out;
    out.examples = in.integer("examples", out.examples, Range::closed(0, kMaxCount));
    out.listsDir = in.string("lists_dir", out.listsDir);
    if (out.listsDir.empty())
        in.error("lists_dir", "must not be empty");
    in.finish();
    return out;
}

SplitSpec readSplits(ObjectReader in)
{
    SplitSpec out;
    out.validation = in.number("validation", out.validation, Range::closed(0, 0.5));
    out.test = in.number("test", out.test, Range::closed(0, 0.5));
    in.finish();
    return out;
}

// Each kind's own sub-object: exactly the one matching `kind` may be present.
void readDatasetKind(ObjectReader& in, DatasetSpec& out, const std::optional<std::string>& kind)
{
    for (std::size_t i = 0; i < kDatasetKinds.size(); ++i) {
        const auto key = kDatasetKinds[i];
        auto sub = in.object(key);
        if (!sub)
            continue;
        if (!kind || *kind != key) {
            if (kind)
                in.error(key, "given but kind is \"" + *kind + "\"");
            continue;
        }
        switch (static_cast<DatasetKind>(i)) {
        case DatasetKind::Oracle: out.oracle = readOracle(std::move(*sub)); break;
        case DatasetKind::InstructionJsonl:
            out.instructionJsonl = readInstructionJsonl(std::move(*sub));
            break;
        case DatasetKind::TextCorpus: out.textCorpus = readTextCorpus(std::move(*sub)); break;
        case DatasetKind::DebianPackages:
            out.debianPackages = readDebianPackages(std::move(*sub));
            break;
        }
    }
    // These kinds cannot do without a path; the others have usable defaults.
    if (kind == "instruction_jsonl" && !in.has("instruction_jsonl"))
        in.error("instruction_jsonl", "missing; kind \"instruction_jsonl\" needs {\"path\": ...}");
    if (kind == "text_corpus" && !in.has("text_corpus"))
        in.error("text_corpus", "missing; kind \"text_corpus\" needs {\"path\": ...}");
}

DatasetSpec readDataset(ObjectReader& root)
{
    DatasetSpec out;
    auto in = root.object("dataset");
    if (!in) {
        if (!root.has("dataset"))
            root.error("dataset", "missing; give {\"kind\": \"oracle\", ...}");
        return out;
    }
    const auto kind = in->requiredChoice("kind", kDatasetKinds);
    if (kind)
        out.kind = static_cast<DatasetKind>(indexOf(kDatasetKinds, *kind));
    readDatasetKind(*in, out, kind);
    out.maxPrefixTokens =
        in->integer("max_prefix_tokens", out.maxPrefixTokens, Range::closed(1, kMaxDimension));
    out.maxContinuationTokens = in->integer("max_continuation_tokens", out.maxContinuationTokens,
                                            Range::closed(2, kMaxDimension));
    if (auto splits = in->object("splits"))
        out.splits = readSplits(std::move(*splits));
    in->finish();
    return out;
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
}

// ---- writing -------------------------------------------------------------------------------

json toJson(const train::OptimizerOptions& options, json out)
{
    out["lr"] = options.lr;
    out["weight_decay"] = options.weightDecay;
    out["beta1"] = options.beta1;
    out["beta2"] = options.beta2;
    out["eps"] = options.eps;
    out["warmup_steps"] = options.warmupSteps;
    out["schedule"] = scheduleName(options.schedule);
    out["min_lr_ratio"] = options.minLrRatio;
    out["grad_clip"] = options.gradClip;
    return out;
}

json toJson(const train::MleOptions& mle)
{
    return toJson(mle.optimizer, {{"steps", mle.steps},
                                  {"batch_size", mle.batchSize},
                                  {"grad_accumulation", mle.gradAccumulation},
                                  {"eval_every", mle.evalEvery},
                                  {"eval_examples", mle.evalExamples},
                                  {"checkpoint_every", mle.checkpointEvery}});
}

json toJson(const CpoSpec& cpo)
{
    json out = toJson(cpo.optimizer, {{"steps", cpo.steps},
                                      {"batch_size", cpo.batchSize},
                                      {"grad_accumulation", cpo.gradAccumulation},
                                      {"k", cpo.k},
                                      {"beta", cpo.beta},
                                      {"lambda_mle", cpo.lambdaMle},
                                      {"sampler", toString(cpo.sampler)},
                                      {"mn_fraction", cpo.mnFraction},
                                      {"ranking", cpo.ranking},
                                      {"embedding_model", cpo.embeddingModel},
                                      {"metrics_every", cpo.metricsEvery},
                                      {"samples_every", cpo.samplesEvery},
                                      {"checkpoint_every", cpo.checkpointEvery},
                                      {"eval_every", cpo.evalEvery}});
    out["an"] = {{"temperature", cpo.an.temperature},
                 {"top_k", cpo.an.topK},
                 {"top_p", cpo.an.topP},
                 {"max_new_tokens", cpo.an.maxNewTokens}};
    if (cpo.sampler == SamplerKind::Mix) {
        out["mix_weights"] = {{"an", cpo.mixWeights.an},
                              {"bn", cpo.mixWeights.bn},
                              {"mn", cpo.mixWeights.mn},
                              {"tn", cpo.mixWeights.tn}};
        out["mix_stratified"] = cpo.mixStratified; // which MixN the run used
    }
    return out;
}

json toJson(const ModelSpec& model)
{
    if (!model.init)
        return pathOrHubJson(model.path);
    const auto& init = *model.init;
    json out = {{"arch", archName(init.arch)},
                {"hidden_size", init.hiddenSize},
                {"num_layers", init.numLayers},
                {"num_heads", init.numHeads},
                {"num_kv_heads", init.numKeyValueHeads},
                {"intermediate_size", init.intermediateSize},
                {"max_positions", init.maxPositions},
                {"tie_word_embeddings", init.tieWordEmbeddings}};
    if (init.arch == model::Architecture::Llama)
        out["rope_theta"] = init.ropeTheta;
    return {{"init", out}};
}

json toJson(const TokenizerSpec& tokenizer)
{
    if (!tokenizer.trainSentencePiece)
        return pathOrHubJson(tokenizer.path);
    const auto& train = *tokenizer.trainSentencePiece;
    return {{"train_sentencepiece",
             {{"vocab_size", train.vocabSize},
              {"character_coverage", train.characterCoverage}}}};
}

json toJson(const InstructionJsonlSpec& spec)
{
    json fields = spec.fieldsPreset;
    if (spec.fieldsPreset.empty()) {
        fields = {{"instruction", spec.fields.instruction},
                  {"context", spec.fields.context},
                  {"response", spec.fields.response},
                  {"category", spec.fields.category}};
    }
    json out = pathOrHubJson(spec.path);
    out.update({{"fields", fields},
                {"template", spec.promptTemplate},
                {"template_no_context", spec.promptTemplateNoContext},
                {"max_bad_fraction", spec.maxBadFraction}});
    return out;
}

json toJson(const DatasetSpec& dataset)
{
    json out = {{"kind", toString(dataset.kind)},
                {"max_prefix_tokens", dataset.maxPrefixTokens},
                {"max_continuation_tokens", dataset.maxContinuationTokens},
                {"splits", {{"validation", dataset.splits.validation},
                            {"test", dataset.splits.test}}}};
    const std::string key(toString(dataset.kind));
    switch (dataset.kind) {
    case DatasetKind::Oracle: out[key] = data::toJson(dataset.oracle); break;
    case DatasetKind::InstructionJsonl: out[key] = toJson(dataset.instructionJsonl); break;
    case DatasetKind::TextCorpus:
        out[key] = pathOrHubJson(dataset.textCorpus.path);
        out[key].update({{"prefix_tokens", dataset.textCorpus.prefixTokens},
                         {"continuation_tokens", dataset.textCorpus.continuationTokens},
                         {"stride", dataset.textCorpus.stride}});
        break;
    case DatasetKind::DebianPackages:
        out[key] = {{"examples", dataset.debianPackages.examples},
                    {"lists_dir", dataset.debianPackages.listsDir}};
        break;
    }
    return out;
}

} // namespace

json readJsonWithComments(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw Error(file.string() + ": cannot open the file");
    std::ostringstream text;
    text << in.rdbuf();
    return parseJsonWithComments(text.str(), file.string());
}

bool operator==(const ExperimentConfig& a, const ExperimentConfig& b)
{
    return toJson(a) == toJson(b);
}

std::string_view toString(DatasetKind kind)
{
    return kDatasetKinds[static_cast<std::size_t>(kind)];
}

std::string_view toString(SamplerKind kind)
{
    return kSamplers[static_cast<std::size_t>(kind)];
}

json parseJsonWithComments(std::string_view text, std::string_view source)
{
    try {
        return parseJsonBounded(text, source, {.allowExceptions = true, .ignoreComments = true});
    } catch (const json::parse_error& e) {
        // what() starts with "[json.exception.parse_error.101] ", noise to a user.
        std::string message = e.what();
        if (const auto end = message.find("] "); end != std::string::npos)
            message.erase(0, end + 2);
        throw Error(std::string(source) + ": not valid JSON: " + message);
    }
}

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
    config.threads = root.integer("threads", config.threads, Range::closed(0, 4096));
    config.model = readModel(root);
    config.tokenizer = readTokenizer(root);
    config.dataset = readDataset(root);
    if (auto mle = root.object("mle"))
        config.mle = readMle(std::move(*mle));
    if (auto cpo = root.object("cpo"))
        config.cpo = readCpo(std::move(*cpo));
    if (auto output = root.object("output")) {
        config.outputDir = output->string("dir", config.outputDir);
        output->finish();
    }
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

void applyOverride(json& document, std::string_view assignment)
{
    const auto fail = [&](std::string_view problem) {
        std::string message = "--set ";
        message.append(assignment).append(": ").append(problem);
        return Error(message);
    };
    const auto equals = assignment.find('=');
    if (equals == std::string_view::npos || equals == 0)
        throw fail("expected key.path=value, e.g. mle.lr=3e-4");
    const auto keyPath = assignment.substr(0, equals);
    const auto valueText = assignment.substr(equals + 1);
    json value;
    try {
        value = parseJsonBounded(valueText, "--set " + std::string(keyPath));
    } catch (const json::parse_error&) {
        value = std::string(valueText); // not JSON: the text itself, as in sampler=bn
    }

    // Split first, so a malformed path leaves the document untouched.
    std::vector<std::string> keys;
    for (std::size_t start = 0;;) {
        const auto dot = keyPath.find('.', start);
        const auto end = dot == std::string_view::npos ? keyPath.size() : dot;
        keys.emplace_back(keyPath.substr(start, end - start));
        if (keys.back().empty())
            throw fail("empty key in the path");
        if (dot == std::string_view::npos)
            break;
        start = dot + 1;
    }
    json* node = &document;
    std::string walked = "the document";
    for (const auto& key : keys) {
        if (node->is_null())
            *node = json::object(); // a missing section on the way
        if (!node->is_object())
            throw fail(walked + " is not an object, so it has no key '" + key + "'");
        walked = walked == "the document" ? key : walked + "." + key;
        node = &(*node)[key];
    }
    *node = std::move(value);
}

json toJson(const ExperimentConfig& config)
{
    json out = {{"name", config.name},
                {"description", config.description},
                {"seed", config.seed},
                {"device", config.device},
                {"threads", config.threads},
                {"model", toJson(config.model)},
                {"dataset", toJson(config.dataset)},
                {"output", {{"dir", config.outputDir}}}};
    if (config.tokenizer)
        out["tokenizer"] = toJson(*config.tokenizer);
    if (config.mle)
        out["mle"] = toJson(*config.mle);
    if (config.cpo)
        out["cpo"] = toJson(*config.cpo);
    return out;
}

std::string configHash(const ExperimentConfig& config)
{
    const auto hash = fnv1a64(toJson(config).dump());
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
    return hex;
}

} // namespace cpo::engine
