#include "train/negatives/mn_sampler.h"

#include "train/negatives/reference_pass.h"
#include "util/error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace cpo::train::negatives {

std::int64_t mnReplacements(double fraction, std::int64_t eligible)
{
    const auto n =
        static_cast<std::int64_t>(std::llround(fraction * static_cast<double>(eligible)));
    return std::clamp<std::int64_t>(n, 1, eligible);
}

MnSampler::MnSampler(double fraction) : m_fraction(fraction)
{
    if (!(fraction > 0.0 && fraction <= 1.0))
        throw Error(fmt::format("the MN fraction is {}; it must be in (0, 1]", fraction));
}

SampleResult MnSampler::sample(const SampleRequest& request)
{
    SampleResult result;
    const auto rows = request.batch.size();
    result.negatives.resize(rows);
    const ReferencePass pass = runReferencePass(*request.reference, request.batch);
    result.groundTruthReferenceLogProbs = pass.groundTruth;
    const auto logProbs = pass.logProbs.to(torch::kCPU);
    for (std::size_t i = 0; i < rows; ++i) {
        const Tokens& y1 = request.batch[i].continuation;
        auto eligible = static_cast<std::int64_t>(y1.size());
        if (eligible > 0 && y1.back() == request.eosId)
            --eligible;
        if (request.counts[i] > 0 && eligible < 1)
            throw Error("MN needs a continuation with at least one token before its EOS");
        const auto replaced = mnReplacements(m_fraction, eligible);
        // A generator seeded from the row's stream: reproducible on any device, and the
        // same whichever rows share the batch.
        auto generator = at::detail::createCPUGenerator(request.rngs[i]());
        std::vector<std::int64_t> positions(static_cast<std::size_t>(eligible));
        for (std::int64_t n = 0; n < request.counts[i]; ++n) {
            std::iota(positions.begin(), positions.end(), std::int64_t{0});
            std::vector<std::int64_t> picked;
            for (std::int64_t p = 0; p < replaced; ++p) { // partial Fisher-Yates
                const auto j = static_cast<std::size_t>(p) +
                               uniformIndex(request.rngs[i], positions.size() -
                                                              static_cast<std::size_t>(p));
                std::swap(positions[static_cast<std::size_t>(p)], positions[j]);
                picked.push_back(positions[static_cast<std::size_t>(p)]);
            }
            // The picked positions' distributions, with y1_t and EOS forbidden.
            const auto index = torch::tensor(picked, torch::kInt64);
            auto probs = logProbs[static_cast<std::int64_t>(i)].index_select(0, index).exp();
            const auto truth = torch::tensor(
                [&] {
                    std::vector<std::int64_t> t;
                    for (const auto p : picked)
                        t.push_back(y1[static_cast<std::size_t>(p)]);
                    return t;
                }(),
                torch::kInt64);
            probs.scatter_(1, truth.unsqueeze(1), 0.0);
            probs.select(1, request.eosId).fill_(0.0);
            // A distribution that had all its mass there: any other token, uniformly.
            const auto empty = probs.sum(1, true).le(0.0);
            probs = torch::where(empty, torch::ones_like(probs), probs);
            probs.scatter_(1, truth.unsqueeze(1), 0.0);
            probs.select(1, request.eosId).fill_(0.0);
            const auto draws = torch::multinomial(probs, 1, false, generator).squeeze(1);

            Negative negative{y1, Strategy::Mn, {}};
            for (std::size_t p = 0; p < picked.size(); ++p)
                negative.tokens[static_cast<std::size_t>(picked[p])] =
                    static_cast<tokenize::TokenId>(draws[static_cast<std::int64_t>(p)]
                                                       .item<std::int64_t>());
            result.negatives[i].push_back(std::move(negative));
        }
    }
    return result;
}

} // namespace cpo::train::negatives
