#include "eval/sampling.h"

#include "util/error.h"

#include <limits>
#include <string>

namespace cpo::eval {

void validate(const SamplingOptions& options)
{
    if (!(options.temperature >= 0.0))
        throw Error("temperature " + std::to_string(options.temperature) +
                    " must be >= 0 (0 = greedy)");
    if (options.topK < 0)
        throw Error("top-k " + std::to_string(options.topK) + " must be >= 0 (0 = off)");
    if (!(options.topP > 0.0 && options.topP <= 1.0))
        throw Error("top-p " + std::to_string(options.topP) + " must be in (0, 1] (1 = off)");
}

namespace {

// Inverse-CDF sampling, one uniform per row: multinomial draws an exponential per vocabulary
// entry, which cost more than a decoding step's whole attention. Also gives the same draws on
// every LibTorch version (multinomial's algorithm is not part of its contract).
torch::Tensor drawFrom(const torch::Tensor& probs, at::Generator& generator)
{
    const auto cdf = probs.to(torch::kDouble).cumsum(-1);
    const auto total = cdf.narrow(-1, cdf.size(-1) - 1, 1);
    const auto target = torch::rand({probs.size(0), 1}, generator, torch::kDouble) * total;
    // The first token whose cumulative mass exceeds the target: never one of probability 0.
    return cdf.le(target).sum(-1);
}

} // namespace

torch::Tensor sampleNextTokens(const torch::Tensor& logits, const SamplingOptions& options,
                               at::Generator& generator)
{
    torch::NoGradGuard noGrad;
    if (options.temperature == 0.0)
        return logits.argmax(-1);

    auto scores = logits.to(torch::kCPU, torch::kFloat32) / options.temperature;
    const double minusInf = -std::numeric_limits<double>::infinity();
    if (options.topK > 0 && options.topK < scores.size(-1)) {
        const auto kth = std::get<0>(scores.topk(options.topK, -1)).select(-1, -1).unsqueeze(-1);
        scores = scores.masked_fill(scores < kth, minusInf);
    }
    if (options.topP < 1.0) {
        const auto [sorted, order] = scores.sort(-1, /*descending=*/true);
        const auto cumulative = sorted.softmax(-1).cumsum(-1);
        // Drop a token when the tokens ranked above it already hold top-p of the mass;
        // the most likely token always stays.
        auto drop = (cumulative - sorted.softmax(-1)) >= options.topP;
        scores = scores.scatter(-1, order, sorted.masked_fill(drop, minusInf));
    }
    return drawFrom(scores.softmax(-1), generator).to(logits.device());
}

} // namespace cpo::eval
