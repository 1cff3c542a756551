#include "engine/experiment_names.h"
#include "engine/experiment_readers.h"
#include "engine/hub_source.h"

#include <string>

// The `model` and `tokenizer` blocks.
namespace cpo::engine {
namespace {

constexpr Range kUnitOpen = Range::leftOpen(0, 1); // (0, 1]

// Llama's rule (8/3 of the hidden size) rounded up to a multiple of 8, which keeps small
// from-scratch models small while staying friendly to vectorised kernels.
std::int64_t defaultIntermediateSize(model::Architecture arch, std::int64_t hiddenSize)
{
    if (arch == model::Architecture::Gpt2)
        return 4 * hiddenSize;
    const std::int64_t raw = (8 * hiddenSize + 2) / 3;
    return (raw + 7) / 8 * 8;
}

ModelInitSpec readModelInit(ObjectReader in)
{
    const std::size_t before = in.issues().size();
    ModelInitSpec out;
    const auto arch = in.requiredChoice("arch", kArchitectures);
    out.arch = arch ? fromName<model::Architecture>(kArchitectures, *arch)
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

} // namespace

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
    out.activationCheckpointing = in->boolean("activation_checkpointing", false);
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

} // namespace cpo::engine
