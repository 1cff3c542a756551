#include "engine/experiment_names.h"
#include "engine/experiment_readers.h"

#include <algorithm>
#include <numeric>
#include <string>

// The `mle` and `cpo` blocks, read straight into the trainers' option structs: their defaults
// are the structs' own.
namespace cpo::engine {
namespace {

constexpr Range kPositive = Range::atLeast(1);
constexpr Range kNonNegative = Range::atLeast(0);
constexpr Range kUnitOpen = Range::leftOpen(0, 1); // (0, 1]

train::OptimizerOptions readOptimizer(ObjectReader& in, train::OptimizerOptions defaults)
{
    train::OptimizerOptions out;
    out.lr = in.number("lr", defaults.lr, Range::leftOpen(0, 1));
    out.weightDecay = in.number("weight_decay", defaults.weightDecay, Range::atLeast(0));
    out.beta1 = in.number("beta1", defaults.beta1, Range::rightOpen(0, 1));
    out.beta2 = in.number("beta2", defaults.beta2, Range::rightOpen(0, 1));
    out.eps = in.number("eps", defaults.eps, Range::above(0));
    out.warmupSteps = in.integer("warmup_steps", defaults.warmupSteps, kNonNegative);
    const auto schedule =
        in.choice("schedule", std::string(nameOf(kSchedules, defaults.schedule)), kSchedules);
    out.schedule = fromName<train::LrSchedule>(kSchedules, schedule);
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

void readMixWeights(ObjectReader in, train::negatives::SamplerOptions& sampler)
{
    const train::negatives::SamplerOptions defaults;
    for (std::size_t i = 0; i < kMixKeys.size(); ++i)
        sampler.mixWeights[i] = in.number(kMixKeys[i], defaults.mixWeights[i], kNonNegative);
    in.finish();
    if (std::accumulate(sampler.mixWeights.begin(), sampler.mixWeights.end(), 0.0) <= 0)
        in.issues().add(in.path(), "all weights are 0; at least one must be > 0");
}

// Autoregressive negatives: decoding from π_ref.
train::negatives::AnOptions readAnDecoding(ObjectReader in)
{
    const train::negatives::AnOptions defaults;
    train::negatives::AnOptions out;
    out.sampling.temperature =
        in.number("temperature", defaults.sampling.temperature, Range::above(0));
    out.sampling.topK = in.integer("top_k", defaults.sampling.topK, kNonNegative);
    out.sampling.topP = in.number("top_p", defaults.sampling.topP, kUnitOpen);
    out.maxNewTokens = in.integer("max_new_tokens", defaults.maxNewTokens, kNonNegative);
    in.finish();
    return out;
}

bool usesBatchNegatives(const train::negatives::SamplerOptions& sampler)
{
    constexpr auto bn = static_cast<std::size_t>(train::negatives::Strategy::Bn);
    return sampler.kind == SamplerKind::Bn ||
           (sampler.kind == SamplerKind::Mix && sampler.mixWeights[bn] > 0);
}

// The sampler's fields sit flat in the `cpo` block.
void readSampler(ObjectReader& in, train::negatives::SamplerOptions& out)
{
    const train::negatives::SamplerOptions defaults;
    const auto sampler = in.choice("sampler", std::string(toString(defaults.kind)), kSamplers);
    out.kind = fromName<SamplerKind>(kSamplers, sampler);
    if (auto weights = in.object("mix_weights")) {
        if (out.kind == SamplerKind::Mix)
            readMixWeights(std::move(*weights), out);
        else
            in.error("mix_weights", "given but sampler is \"" + sampler +
                                        "\"; mix_weights only apply to sampler \"mix\"");
    }
    if (in.has("mix_stratified")) {
        out.mixStratified = in.boolean("mix_stratified", defaults.mixStratified);
        if (out.kind != SamplerKind::Mix)
            in.error("mix_stratified", "given but sampler is \"" + sampler +
                                           "\"; mix_stratified only applies to sampler \"mix\"");
    }
    out.mnFraction = in.number("mn_fraction", defaults.mnFraction, kUnitOpen);
    if (auto an = in.object("an"))
        out.an = readAnDecoding(std::move(*an));
}

} // namespace

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

CpoPhase readCpo(ObjectReader in)
{
    const CpoPhase defaults;
    CpoPhase out;
    out.steps = in.integer("steps", defaults.steps, Range::closed(1, kMaxCount));
    out.batchSize = in.integer("batch_size", defaults.batchSize, Range::closed(1, kMaxDimension));
    out.gradAccumulation =
        in.integer("grad_accumulation", defaults.gradAccumulation, Range::closed(1, 1 << 16));
    out.optimizer = readOptimizer(in, defaults.optimizer);
    out.k = in.integer("k", defaults.k, Range::closed(2, 1024));
    out.beta = in.number("beta", defaults.beta, Range::above(0));
    out.lambdaMle = in.number("lambda_mle", defaults.lambdaMle, kNonNegative);
    readSampler(in, out.sampler);
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
    if (usesBatchNegatives(out.sampler) && out.batchSize < 2) {
        in.error("batch_size",
                 "1 is too small for batch negatives (sampler \"" +
                     std::string(toString(out.sampler.kind)) +
                     "\"): BN takes other rows' ground truths, topped up from a rolling buffer "
                     "of recent batches when batch_size < k, so at least 2 rows are needed; "
                     "allowed: >= 2 (>= k avoids the buffer)");
    }
    return out;
}

} // namespace cpo::engine
