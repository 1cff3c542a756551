#include "train/negatives/mix_sampler.h"

#include "util/error.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>

namespace cpo::train::negatives {

MixSampler::MixSampler(std::array<double, kStrategyCount> weights,
                       std::array<std::unique_ptr<NegativeSampler>, kStrategyCount> samplers,
                       bool stratified)
    : m_samplers(std::move(samplers)), m_stratified(stratified)
{
    double total = 0.0;
    for (std::size_t s = 0; s < kStrategyCount; ++s) {
        if (!(weights[s] >= 0.0))
            throw Error(fmt::format("the MixN weight of {} is {}; weights must be >= 0",
                                    toString(kStrategies[s]), weights[s]));
        if (weights[s] > 0.0 && !m_samplers[s])
            throw Error(fmt::format("MixN weights {} but has no {} sampler",
                                    toString(kStrategies[s]), toString(kStrategies[s])));
        total += weights[s];
    }
    if (!(total > 0.0))
        throw Error("the MixN weights are all 0; give at least one strategy a weight");
    double running = 0.0;
    for (std::size_t s = 0; s < kStrategyCount; ++s) {
        running += weights[s];
        m_cumulative[s] = weights[s] > 0.0 ? running / total : -1.0;
    }
}

SampleResult MixSampler::sample(const SampleRequest& request)
{
    const auto rows = request.batch.size();
    // The strategy of every slot, drawn first so the mix does not depend on what the
    // strategies themselves draw.
    std::vector<std::vector<std::size_t>> slots(rows);
    std::array<std::vector<std::int64_t>, kStrategyCount> counts;
    for (auto& c : counts)
        c.assign(rows, 0);
    for (std::size_t i = 0; i < rows; ++i) {
        const double offset = m_stratified ? uniformUnit(request.rngs[i]) : 0.0;
        for (std::int64_t n = 0; n < request.counts[i]; ++n) {
            const double u = m_stratified ? (offset + static_cast<double>(n)) /
                                                static_cast<double>(request.counts[i])
                                          : uniformUnit(request.rngs[i]);
            std::size_t chosen = kStrategyCount - 1;
            while (m_cumulative[chosen] < 0.0) // the last strategy that has a weight
                --chosen;
            for (std::size_t s = 0; s < kStrategyCount; ++s) {
                if (m_cumulative[s] >= 0.0 && u < m_cumulative[s]) {
                    chosen = s;
                    break;
                }
            }
            slots[i].push_back(chosen);
            ++counts[chosen][i];
        }
    }

    SampleResult result;
    result.negatives.resize(rows);
    result.groundTruthReferenceLogProbs.resize(rows);
    std::array<SampleResult, kStrategyCount> parts;
    for (std::size_t s = 0; s < kStrategyCount; ++s) {
        bool any = false;
        for (const auto c : counts[s])
            any = any || c > 0;
        if (!any)
            continue;
        SampleRequest part = request;
        part.counts = counts[s];
        parts[s] = m_samplers[s]->sample(part);
        for (std::size_t r = 0; r < kStrategyCount; ++r)
            result.redraws[r] += parts[s].redraws[r];
        for (std::size_t i = 0; i < rows; ++i)
            if (result.groundTruthReferenceLogProbs[i].empty() &&
                i < parts[s].groundTruthReferenceLogProbs.size())
                result.groundTruthReferenceLogProbs[i] = parts[s].groundTruthReferenceLogProbs[i];
    }
    std::array<std::vector<std::size_t>, kStrategyCount> next; // per strategy, per row
    for (auto& n : next)
        n.assign(rows, 0);
    for (std::size_t i = 0; i < rows; ++i)
        for (const auto s : slots[i])
            result.negatives[i].push_back(std::move(parts[s].negatives[i][next[s][i]++]));
    return result;
}

void MixSampler::observe(std::span<const data::TokenizedExample> batch)
{
    for (auto& sampler : m_samplers)
        if (sampler)
            sampler->observe(batch);
}

std::int64_t MixSampler::memoryBatches(std::int64_t batchSize) const
{
    std::int64_t batches = 0;
    for (const auto& sampler : m_samplers)
        if (sampler)
            batches = std::max(batches, sampler->memoryBatches(batchSize));
    return batches;
}

} // namespace cpo::train::negatives
