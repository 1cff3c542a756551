#include "train/negatives/sampler_factory.h"

#include "eval/eval_generation.h"
#include "train/negatives/bn_sampler.h"
#include "train/negatives/mix_sampler.h"
#include "train/negatives/mn_sampler.h"
#include "train/negatives/tn_sampler.h"

namespace cpo::train::negatives {
namespace {

std::unique_ptr<NegativeSampler> single(Strategy strategy, const SamplerOptions& options)
{
    switch (strategy) {
    case Strategy::An: return std::make_unique<AnSampler>(options.an);
    case Strategy::Bn: return std::make_unique<BnSampler>(options.bnBufferCapacity);
    case Strategy::Mn: return std::make_unique<MnSampler>(options.mnFraction);
    case Strategy::Tn: return std::make_unique<TnSampler>();
    }
    return nullptr;
}

} // namespace

SamplerOptions withDatasetDefaults(SamplerOptions options,
                                   std::span<const data::TokenizedExample> train)
{
    if (options.an.maxNewTokens == 0 && !train.empty())
        options.an.maxNewTokens = eval::longestContinuation(train);
    return options;
}

std::unique_ptr<NegativeSampler> makeSampler(const SamplerOptions& options)
{
    switch (options.kind) {
    case SamplerKind::An: return single(Strategy::An, options);
    case SamplerKind::Bn: return single(Strategy::Bn, options);
    case SamplerKind::Mn: return single(Strategy::Mn, options);
    case SamplerKind::Tn: return single(Strategy::Tn, options);
    case SamplerKind::Mix: break;
    }
    std::array<std::unique_ptr<NegativeSampler>, kStrategyCount> samplers;
    for (std::size_t s = 0; s < kStrategyCount; ++s)
        if (options.mixWeights[s] > 0.0)
            samplers[s] = single(kStrategies[s], options);
    return std::make_unique<MixSampler>(options.mixWeights, std::move(samplers),
                                        options.mixStratified);
}

} // namespace cpo::train::negatives
