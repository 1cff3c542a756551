#include "train/negatives/tn_sampler.h"

#include "train/negatives/reference_pass.h"
#include "util/error.h"

namespace cpo::train::negatives {

SampleResult TnSampler::sample(const SampleRequest& request)
{
    SampleResult result;
    const auto rows = request.batch.size();
    result.negatives.resize(rows);
    for (std::size_t i = 0; i < rows; ++i)
        if (request.counts[i] > 0 && request.batch[i].continuation.size() < 2)
            throw Error("TN needs a continuation of at least 2 tokens to cut one shorter");
    const ReferencePass pass = runReferencePass(*request.reference, request.batch);
    result.groundTruthReferenceLogProbs = pass.groundTruth;
    const auto eosLogProbs = pass.logProbs.select(2, request.eosId).to(torch::kCPU).contiguous();
    const auto eosAccess = eosLogProbs.accessor<float, 2>();
    for (std::size_t i = 0; i < rows; ++i) {
        const Tokens& y1 = request.batch[i].continuation;
        const auto& truth = pass.groundTruth[i];
        for (std::int64_t n = 0; n < request.counts[i]; ++n) {
            const auto cut = static_cast<std::size_t>(uniformIndex(request.rngs[i], y1.size() - 1));
            Negative negative;
            negative.strategy = Strategy::Tn;
            negative.tokens.assign(y1.begin(), y1.begin() + static_cast<long>(cut));
            negative.tokens.push_back(request.eosId);
            negative.referenceLogProbs.assign(truth.begin(),
                                              truth.begin() + static_cast<long>(cut));
            negative.referenceLogProbs.push_back(
                eosAccess[static_cast<std::int64_t>(i)][static_cast<std::int64_t>(cut)]);
            result.negatives[i].push_back(std::move(negative));
        }
    }
    return result;
}

} // namespace cpo::train::negatives
