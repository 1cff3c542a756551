#include "train/held_out_loss.h"

#include "model/device.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace cpo::train {

torch::Tensor summedContinuationNll(model::CausalLMImpl& model, const Batch& batch)
{
    const auto device = model.parameters().front().device();
    const auto ids = model::toDevice(batch.inputIds, device);
    // Rows are right-padded, so under causal attention no real position sees the padding and
    // positions count from 0 either way: the attention mask would change nothing but speed.
    const auto logits = model.forward(ids).logits;
    const auto width = ids.size(1);
    const auto predicted = logits.narrow(1, 0, width - 1).reshape({-1, logits.size(-1)});
    const auto targets = ids.narrow(1, 1, width - 1).reshape({-1});
    const auto weights =
        model::toDevice(batch.lossMask, device).narrow(1, 1, width - 1).reshape({-1});
    const auto nll = torch::nn::functional::cross_entropy(
        predicted.to(torch::kFloat32), targets,
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
    return nll.mul(weights).sum();
}

HeldOutLoss heldOutLoss(model::CausalLMImpl& model,
                        std::span<const data::TokenizedExample> examples, std::size_t batchSize,
                        std::size_t count)
{
    count = count > 0 ? std::min(count, examples.size()) : examples.size();
    batchSize = std::max<std::size_t>(batchSize, 1);
    // The first `count` examples, sorted by length so each batch carries little padding.
    std::vector<std::size_t> order(count);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const auto& x = examples[a];
        const auto& y = examples[b];
        return x.prefix.size() + x.continuation.size() < y.prefix.size() + y.continuation.size();
    });

    const bool wasTraining = model.is_training();
    model.eval();
    torch::NoGradGuard noGrad;
    double nll = 0.0;
    std::int64_t tokens = 0;
    for (std::size_t begin = 0; begin < count; begin += batchSize) {
        const auto indices = std::span<const std::size_t>(order).subspan(
            begin, std::min(batchSize, count - begin));
        const Batch batch = makeBatch(examples, indices);
        nll += summedContinuationNll(model, batch).item<double>();
        tokens += batch.lossTokens;
    }
    model.train(wasTraining);

    HeldOutLoss result;
    result.tokens = tokens;
    result.loss = tokens > 0 ? nll / static_cast<double>(tokens) : 0.0;
    result.perplexity = std::exp(result.loss);
    return result;
}

} // namespace cpo::train
