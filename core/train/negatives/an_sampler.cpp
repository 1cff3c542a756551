#include "train/negatives/an_sampler.h"

#include "eval/generate.h"

#include <algorithm>

namespace cpo::train::negatives {

AnSampler::AnSampler(AnOptions options) : m_options(options)
{
    eval::validate(m_options.sampling);
}

SampleResult AnSampler::sample(const SampleRequest& request)
{
    SampleResult result;
    result.negatives.resize(request.batch.size());
    result.groundTruthReferenceLogProbs.resize(request.batch.size());

    // The slots still to fill: (example, budget).
    struct Slot {
        std::size_t example;
        std::int64_t budget;
    };
    std::vector<Slot> pending;
    for (std::size_t i = 0; i < request.batch.size(); ++i) {
        const auto budget = m_options.maxNewTokens > 0
                                ? m_options.maxNewTokens
                                : static_cast<std::int64_t>(request.batch[i].continuation.size());
        for (std::int64_t j = 0; j < request.counts[i]; ++j)
            pending.push_back({i, std::max<std::int64_t>(budget, 1)});
    }

    for (std::int64_t attempt = 0; !pending.empty(); ++attempt) {
        std::vector<std::vector<std::int32_t>> prompts;
        std::int64_t longest = 1;
        for (const auto& slot : pending) {
            prompts.push_back(request.batch[slot.example].prefix);
            longest = std::max(longest, slot.budget);
        }
        eval::GenerateOptions options;
        options.sampling = m_options.sampling;
        options.maxNewTokens = longest;
        options.eosId = request.eosId;
        options.seed = request.rngs[0]();
        const auto generated = eval::generate(*request.reference, prompts, options);

        std::vector<Slot> again;
        for (std::size_t s = 0; s < pending.size(); ++s) {
            const auto& slot = pending[s];
            const auto& y1 = request.batch[slot.example].continuation;
            Negative negative;
            negative.strategy = Strategy::An;
            const auto keep = std::min<std::size_t>(generated[s].tokens.size(),
                                                    static_cast<std::size_t>(slot.budget));
            negative.tokens.assign(generated[s].tokens.begin(),
                                   generated[s].tokens.begin() + static_cast<long>(keep));
            negative.referenceLogProbs.assign(generated[s].logProbs.begin(),
                                              generated[s].logProbs.begin() +
                                                  static_cast<long>(keep));
            if (negative.tokens == y1) {
                ++result.redraws[static_cast<std::size_t>(Strategy::An)];
                if (attempt < m_options.maxRedraws) {
                    again.push_back(slot);
                    continue;
                }
                // Still y1: cut it (strictly shorter, so it differs) and end it with EOS.
                // Its reference log-probs are then no longer all known: scoring computes them.
                const auto cut = y1.size() < 2 ? 0 : uniformIndex(request.rngs[slot.example], y1.size() - 1);
                negative.tokens.resize(cut);
                negative.tokens.push_back(request.eosId);
                if (negative.tokens == y1) // y1 = [EOS]: only a non-EOS token differs
                    negative.tokens.front() = request.eosId == 0 ? 1 : 0;
                negative.referenceLogProbs.clear();
            }
            result.negatives[slot.example].push_back(std::move(negative));
        }
        pending = std::move(again);
    }
    return result;
}

} // namespace cpo::train::negatives
