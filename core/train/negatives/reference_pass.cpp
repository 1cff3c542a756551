#include "train/negatives/reference_pass.h"

#include "model/device.h"
#include "train/batching.h"

#include <algorithm>
#include <numeric>

namespace cpo::train::negatives {

ReferencePass runReferencePass(model::CausalLMImpl& reference,
                               std::span<const data::TokenizedExample> batch)
{
    torch::NoGradGuard noGrad;
    const bool wasTraining = reference.is_training();
    reference.eval();
    std::vector<std::size_t> indices(batch.size());
    std::iota(indices.begin(), indices.end(), std::size_t{0});
    const Batch padded = makeBatch(batch, indices);
    const auto device = reference.parameters().front().device();
    // Right-padded rows: under causal attention no real position sees the padding.
    const auto logits = reference.forward(model::toDevice(padded.inputIds, device)).logits;
    reference.train(wasTraining);

    std::int64_t longest = 0;
    for (const auto& example : batch)
        longest = std::max(longest, static_cast<std::int64_t>(example.continuation.size()));
    // Continuation token t of row b is predicted by the logits at start_b - 1 + t.
    const auto offsets = torch::arange(longest, torch::kInt64).unsqueeze(0);
    const auto positions = model::toDevice(
        (padded.continuationStart.unsqueeze(1) - 1 + offsets).clamp_max(logits.size(1) - 1),
        device);
    const auto picked = logits.gather(
        1, positions.unsqueeze(-1).expand({-1, -1, logits.size(-1)}));
    ReferencePass pass;
    pass.logProbs = picked.to(torch::kFloat32).log_softmax(-1);

    const auto targets = model::toDevice(padded.inputIds, device)
                             .gather(1, (positions + 1).clamp_max(logits.size(1) - 1))
                             .unsqueeze(-1);
    const auto truth = pass.logProbs.gather(2, targets).squeeze(-1).to(torch::kCPU).contiguous();
    const auto access = truth.accessor<float, 2>();
    pass.groundTruth.resize(batch.size());
    for (std::size_t b = 0; b < batch.size(); ++b) {
        const auto length = static_cast<std::int64_t>(batch[b].continuation.size());
        auto& row = pass.groundTruth[b];
        row.reserve(static_cast<std::size_t>(length));
        for (std::int64_t t = 0; t < length; ++t)
            row.push_back(access[static_cast<std::int64_t>(b)][t]);
    }
    return pass;
}

} // namespace cpo::train::negatives
