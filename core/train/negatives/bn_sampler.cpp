#include "train/negatives/bn_sampler.h"

#include "util/error.h"

#include <algorithm>
#include <utility>

namespace cpo::train::negatives {

BnSampler::BnSampler(std::size_t bufferCapacity) : m_capacity(bufferCapacity) {}

SampleResult BnSampler::sample(const SampleRequest& request)
{
    SampleResult result;
    const auto rows = request.batch.size();
    result.negatives.resize(rows);
    result.groundTruthReferenceLogProbs.resize(rows);
    auto& redraws = result.redraws[static_cast<std::size_t>(Strategy::Bn)];
    for (std::size_t i = 0; i < rows; ++i) {
        const auto wanted = static_cast<std::size_t>(request.counts[i]);
        if (wanted == 0)
            continue;
        const Tokens& own = request.batch[i].continuation;
        // Candidates: other rows first, the buffer only when they are too few.
        // Each distinct continuation once, so that two duplicate rows cannot give one row
        // the same negative twice.
        std::vector<const Tokens*> pool;
        const auto offer = [&](const Tokens& candidate) {
            if (candidate == own)
                ++redraws;
            else if (std::none_of(pool.begin(), pool.end(),
                                  [&](const Tokens* p) { return *p == candidate; }))
                pool.push_back(&candidate);
        };
        for (std::size_t j = 0; j < rows; ++j)
            if (j != i)
                offer(request.batch[j].continuation);
        for (auto it = m_buffer.rbegin(); pool.size() < wanted && it != m_buffer.rend(); ++it)
            offer(*it);
        if (pool.empty())
            throw Error("BN negatives need continuations that differ from the ground truth, "
                        "but the batch and the buffer hold none; raise the batch size or "
                        "choose another sampler");
        // Without replacement (a partial Fisher-Yates) while the pool lasts, then with.
        for (std::size_t n = 0; n < wanted; ++n) {
            const Tokens* chosen = nullptr;
            if (n < pool.size()) {
                const auto pick = n + uniformIndex(request.rngs[i], pool.size() - n);
                std::swap(pool[n], pool[pick]);
                chosen = pool[n];
            } else {
                chosen = pool[uniformIndex(request.rngs[i], pool.size())];
            }
            result.negatives[i].push_back({*chosen, Strategy::Bn, {}});
        }
    }
    return result;
}

void BnSampler::observe(std::span<const data::TokenizedExample> batch)
{
    for (const auto& example : batch) {
        m_buffer.push_back(example.continuation);
        if (m_buffer.size() > m_capacity)
            m_buffer.pop_front();
    }
}

std::int64_t BnSampler::memoryBatches(std::int64_t batchSize) const
{
    const auto capacity = static_cast<std::int64_t>(m_capacity);
    return (capacity + batchSize - 1) / std::max<std::int64_t>(batchSize, 1);
}

} // namespace cpo::train::negatives
