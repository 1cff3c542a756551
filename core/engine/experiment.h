#pragma once

#include "oracle/oracle_options.h"
#include "engine/eval_spec.h"
#include "model/model_config.h"
#include "model/precision.h"
#include "train/cpo/cpo_options.h"
#include "train/negatives/strategy.h"
#include "train/train_options.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

// An experiment file: everything a run needs (model, tokenizer, dataset, phases, seeds,
// device), as JSON with `//` and `/* */` comments. Parsing validates every field and reports
// all problems together; toJson() gives the canonical form a run is stored and re-run with.
namespace cpo::engine {

// A model trained from scratch; its vocabulary comes from the tokenizer or the oracle task.
struct ModelInitSpec {
    model::Architecture arch = model::Architecture::Gpt2;
    std::int64_t hiddenSize = 0;
    std::int64_t numLayers = 0;
    std::int64_t numHeads = 0;
    std::int64_t numKeyValueHeads = 0; // = numHeads unless llama's grouped-query attention
    std::int64_t intermediateSize = 0; // filled in when absent: 4 h (gpt2), ~8/3 h (llama)
    std::int64_t maxPositions = 512;
    double ropeTheta = 10000.0; // llama only
    bool tieWordEmbeddings = true; // gpt2 always ties; llama defaults to false
};

// Exactly one of the two is set.
struct ModelSpec {
    std::string path;                   // a Hugging Face folder (config.json + safetensors)
    std::optional<ModelInitSpec> init;
    // Recompute each transformer block in backward instead of keeping its activations
    // (model/activation_checkpoint.h): far less memory for a large model, ~1/3 more compute.
    bool activationCheckpointing = false;
};

struct SentencePieceTrainSpec {
    std::int64_t vocabSize = 4000;
    double characterCoverage = 1.0;
};

// Exactly one of the two is set. An experiment without a tokenizer uses the oracle task's
// symbols, or the tokenizer files of model.path.
struct TokenizerSpec {
    std::string path;
    std::optional<SentencePieceTrainSpec> trainSentencePiece; // trained on the dataset's text
};

enum class DatasetKind { Oracle, InstructionJsonl, TextCorpus, DebianPackages };

// Which JSON keys of an instruction record hold what; an empty context or category name: the
// layout has none.
struct InstructionFieldNames {
    std::string instruction = "instruction";
    std::string context = "context";
    std::string response = "response";
    std::string category = "category";
};

struct InstructionJsonlSpec {
    std::string path;
    std::string fieldsPreset = "dolly"; // "dolly" | "alpaca" | "prompt_response"; "": `fields`
    InstructionFieldNames fields;       // used only when fieldsPreset is empty
    std::string promptTemplate =
        "### Instruction:\n{instruction}\n\n### Context:\n{context}\n\n### Response:\n";
    std::string promptTemplateNoContext = "### Instruction:\n{instruction}\n\n### Response:\n";
    double maxBadFraction = 0.05;
};

struct TextCorpusSpec {
    std::string path; // a .txt file or a folder of them
    std::int64_t prefixTokens = 64;
    std::int64_t continuationTokens = 64; // EOS included
    std::int64_t stride = 0;              // 0: windows back to back, without overlap
};

struct DebianPackagesSpec {
    std::int64_t examples = 3000; // packages sampled (by hash, deterministically); 0 = all
    std::string listsDir = "/var/lib/apt/lists";
};

struct SplitSpec {
    double validation = 0.05;
    double test = 0.05;
};

// The oracle task's options, as data::OracleOptions defines them (a torch-free header).
using OracleSpec = data::OracleOptions;

// Only the member matching `kind` is used.
struct DatasetSpec {
    DatasetKind kind = DatasetKind::Oracle;
    OracleSpec oracle;
    InstructionJsonlSpec instructionJsonl;
    TextCorpusSpec textCorpus;
    DebianPackagesSpec debianPackages;
    std::int64_t maxPrefixTokens = 256;       // truncation of loaded text examples
    std::int64_t maxContinuationTokens = 256; // EOS included
    SplitSpec splits;                         // not used by the oracle task (it has its own)
};

using SamplerKind = train::negatives::SamplerKind;

// The CPO phase: the trainer's own options, parsed straight from the `cpo` block (the run
// fills in seed, EOS and validation examples: cpoOptionsFor), and the model folder that orders
// negatives for ranking, which the run session loads ("" = π_ref).
struct CpoPhase : train::CpoOptions {
    std::string embeddingModel;
};

struct ExperimentConfig {
    std::string name;
    std::string description;
    std::uint64_t seed = 1;
    std::string device = "auto"; // "cpu" | "cuda" | "cuda:N" | "auto"
    // "fp32" | "bf16": bf16 runs the training forwards under autocast (model/precision.h)
    model::Precision precision = model::Precision::Fp32;
    std::int64_t threads = 0;    // 0 = LibTorch's default
    ModelSpec model;
    std::optional<TokenizerSpec> tokenizer;
    DatasetSpec dataset;
    std::optional<train::MleOptions> mle; // absent: start from model.path
    std::optional<CpoPhase> cpo;
    std::optional<EvalSpec> eval; // win rates during and after training (eval_spec.h)
    std::string outputDir; // "" = decided by the caller (the CLI's --out)
};

// Equal when their canonical JSON is: every field counts, doubles compare exactly.
bool operator==(const ExperimentConfig& a, const ExperimentConfig& b);

std::string_view toString(DatasetKind kind);
std::string_view toString(SamplerKind kind);

// JSON with `//` and `/* */` comments. Throws cpo::Error naming `source` and the line and
// column of a syntax error.
nlohmann::json parseJsonWithComments(std::string_view text, std::string_view source);
// The same for a file; throws cpo::Error naming it when it cannot be read.
nlohmann::json readJsonWithComments(const std::filesystem::path& file);

// Validates `json` as an experiment. Throws ConfigError (config_reader.h) listing every
// problem, one per line, each naming `source` and the field's JSON path.
ExperimentConfig parseExperiment(const nlohmann::json& json, std::string_view source);

// Reads `file`, applies each "key.path=value" override in order, then validates.
ExperimentConfig loadExperiment(const std::filesystem::path& file,
                                std::span<const std::string> overrides = {});

// Applies one `--set key.path=value`: value is JSON if it parses as JSON, else a string;
// null removes an optional part (`cpo=null`: the MLE-only baseline). Missing objects on the
// path are created (unknown keys are left to parseExperiment() to reject); throws cpo::Error
// for a malformed assignment or a path through a non-object, leaving `json` unchanged.
void applyOverride(nlohmann::json& json, std::string_view assignment);

// The canonical form: complete (every default written out), keys sorted; parses back to an
// equal config. Runs are stored, compared and re-run from it.
nlohmann::json toJson(const ExperimentConfig& config);

// FNV-1a 64 of the compact canonical JSON, as 16 lowercase hex digits.
std::string configHash(const ExperimentConfig& config);

} // namespace cpo::engine
