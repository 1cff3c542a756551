#include "eval/sequence_scores.h"

#include "data/examples.h"
#include "model/device.h"
#include "train/batching.h"

#include <torch/torch.h>

#include <algorithm>
#include <limits>
#include <numeric>

namespace cpo::eval {

std::vector<double> continuationLogLikelihoods(model::CausalLMImpl& model,
                                               std::span<const std::vector<std::int32_t>> prompts,
                                               std::span<const std::vector<std::int32_t>>
                                                   continuations,
                                               std::size_t batchSize)
{
    torch::NoGradGuard noGrad;
    const bool wasTraining = model.is_training();
    model.eval();
    const auto device = model.parameters().front().device();
    std::vector<double> scores(prompts.size(), -std::numeric_limits<double>::infinity());
    const std::size_t chunk = std::max<std::size_t>(batchSize, 1);
    std::vector<data::TokenizedExample> examples;
    std::vector<std::size_t> rows; // which pair each example scores
    for (std::size_t i = 0; i < prompts.size(); ++i) {
        if (prompts[i].empty() || continuations[i].empty())
            continue; // nothing to score: an empty continuation loses
        data::TokenizedExample example;
        example.prefix = prompts[i];
        example.continuation = continuations[i];
        examples.push_back(std::move(example));
        rows.push_back(i);
    }
    for (std::size_t begin = 0; begin < examples.size(); begin += chunk) {
        const std::size_t count = std::min(chunk, examples.size() - begin);
        std::vector<std::size_t> indices(count);
        std::iota(indices.begin(), indices.end(), begin);
        const auto batch = train::makeBatch(examples, indices);
        const auto ids = model::toDevice(batch.inputIds, device);
        const auto logProbs = model.forward(ids, model::toDevice(batch.attentionMask, device))
                                  .logits.to(torch::kFloat32)
                                  .log_softmax(-1);
        // Token t is predicted by the logits at t − 1.
        const auto picked = logProbs.slice(1, 0, -1)
                                .gather(2, ids.slice(1, 1).unsqueeze(-1))
                                .squeeze(-1);
        const auto summed = (picked * model::toDevice(batch.lossMask.slice(1, 1), device))
                                .sum(1)
                                .to(torch::kCPU, torch::kFloat64)
                                .contiguous();
        const auto values = summed.accessor<double, 1>();
        for (std::size_t j = 0; j < count; ++j)
            scores[rows[begin + j]] = values[static_cast<std::int64_t>(j)];
    }
    model.train(wasTraining);
    return scores;
}

} // namespace cpo::eval
