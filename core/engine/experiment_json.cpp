#include "engine/experiment.h"

#include "engine/experiment_names.h"
#include "engine/hub_source.h"
#include "util/hash.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

// The canonical form of an experiment (every default written out, keys sorted) and its hash:
// what runs are stored, compared and re-run with.
namespace cpo::engine {
namespace {

using nlohmann::json;

json toJson(const train::OptimizerOptions& options, json out)
{
    out["lr"] = options.lr;
    out["weight_decay"] = options.weightDecay;
    out["beta1"] = options.beta1;
    out["beta2"] = options.beta2;
    out["eps"] = options.eps;
    out["warmup_steps"] = options.warmupSteps;
    out["schedule"] = nameOf(kSchedules, options.schedule);
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

json toJson(const CpoPhase& cpo)
{
    const auto& sampler = cpo.sampler;
    json out = toJson(cpo.optimizer, {{"steps", cpo.steps},
                                      {"batch_size", cpo.batchSize},
                                      {"grad_accumulation", cpo.gradAccumulation},
                                      {"k", cpo.k},
                                      {"beta", cpo.beta},
                                      {"lambda_mle", cpo.lambdaMle},
                                      {"sampler", toString(sampler.kind)},
                                      {"mn_fraction", sampler.mnFraction},
                                      {"ranking", cpo.ranking},
                                      {"embedding_model", cpo.embeddingModel},
                                      {"metrics_every", cpo.metricsEvery},
                                      {"samples_every", cpo.samplesEvery},
                                      {"checkpoint_every", cpo.checkpointEvery},
                                      {"eval_every", cpo.evalEvery}});
    out["an"] = {{"temperature", sampler.an.sampling.temperature},
                 {"top_k", sampler.an.sampling.topK},
                 {"top_p", sampler.an.sampling.topP},
                 {"max_new_tokens", sampler.an.maxNewTokens}};
    if (sampler.kind == SamplerKind::Mix) {
        json weights;
        for (std::size_t i = 0; i < kMixKeys.size(); ++i)
            weights[std::string(kMixKeys[i])] = sampler.mixWeights[i];
        out["mix_weights"] = weights;
        out["mix_stratified"] = sampler.mixStratified; // which MixN the run used
    }
    return out;
}

json toJson(const ModelInitSpec& init)
{
    json out = {{"arch", nameOf(kArchitectures, init.arch)},
                {"hidden_size", init.hiddenSize},
                {"num_layers", init.numLayers},
                {"num_heads", init.numHeads},
                {"num_kv_heads", init.numKeyValueHeads},
                {"intermediate_size", init.intermediateSize},
                {"max_positions", init.maxPositions},
                {"tie_word_embeddings", init.tieWordEmbeddings}};
    if (init.arch == model::Architecture::Llama)
        out["rope_theta"] = init.ropeTheta;
    return out;
}

json toJson(const ModelSpec& model)
{
    json spec = model.init ? json{{"init", toJson(*model.init)}} : pathOrHubJson(model.path);
    // Only when on, so that earlier runs' canonical experiments (and config hashes) stay.
    if (model.activationCheckpointing)
        spec["activation_checkpointing"] = true;
    return spec;
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

bool operator==(const ExperimentConfig& a, const ExperimentConfig& b)
{
    return toJson(a) == toJson(b);
}

std::string_view toString(DatasetKind kind)
{
    return nameOf(kDatasetKinds, kind);
}

std::string_view toString(SamplerKind kind)
{
    return nameOf(kSamplers, kind);
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
    // Only when not fp32, so that earlier runs' canonical experiments (and config hashes) stay.
    if (config.precision != model::Precision::Fp32)
        out["precision"] = model::toString(config.precision);
    if (config.tokenizer)
        out["tokenizer"] = toJson(*config.tokenizer);
    if (config.mle)
        out["mle"] = toJson(*config.mle);
    if (config.cpo)
        out["cpo"] = toJson(*config.cpo);
    if (config.eval)
        out["eval"] = toJson(*config.eval);
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
