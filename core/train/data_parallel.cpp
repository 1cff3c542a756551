#include "train/data_parallel.h"

#include "util/error.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>

namespace cpo::train {

Shard shardOf(std::size_t size, int rank, int ranks)
{
    const auto r = static_cast<std::size_t>(rank);
    const auto n = static_cast<std::size_t>(ranks);
    const auto base = size / n;
    const auto extra = size % n;
    const auto begin = r * base + std::min(r, extra);
    return {begin, begin + base + (r < extra ? 1 : 0)};
}

void requireShardable(std::int64_t batchSize, int ranks, std::string_view field)
{
    if (batchSize < ranks)
        throw Error(fmt::format("{} is {} but the run has {} ranks: each rank trains on its own "
                                "slice of the batch and needs at least one example; raise {} "
                                "to at least {} or start fewer ranks",
                                field, batchSize, ranks, field, ranks));
}

TokenCounts countTokens(std::span<const data::TokenizedExample> examples,
                        std::span<const std::size_t> indices)
{
    TokenCounts counts;
    for (const auto index : indices) {
        const auto& example = examples[index];
        counts.loss += static_cast<std::int64_t>(example.continuation.size());
        counts.real += static_cast<std::int64_t>(example.prefix.size() +
                                                 example.continuation.size());
    }
    return counts;
}

namespace {

// One all-reduce of the flattened `grads` (same dtype and device), copied back.
void reduceBucket(Collective& collective, const std::vector<torch::Tensor>& grads)
{
    if (grads.empty())
        return;
    std::vector<torch::Tensor> flat{torch::cat(
        [&] {
            std::vector<torch::Tensor> views;
            for (const auto& g : grads)
                views.push_back(g.reshape({-1}));
            return views;
        }())};
    collective.allReduceSum(flat);
    std::int64_t offset = 0;
    for (const auto& g : grads) {
        const auto n = g.numel();
        g.copy_(flat.front().narrow(0, offset, n).view_as(g));
        offset += n;
    }
}

} // namespace

void allReduceGradients(Collective& collective, const std::vector<torch::Tensor>& parameters,
                        std::vector<double>& scalars, std::int64_t bucketBytes)
{
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> bucket;
    std::int64_t bytes = 0;
    for (auto parameter : parameters) {
        if (!parameter.grad().defined())
            parameter.mutable_grad() = torch::zeros_like(parameter);
        auto grad = parameter.grad();
        // A bucket holds one dtype on one device (torch::cat's rule).
        if (!bucket.empty() && (bucket.front().scalar_type() != grad.scalar_type() ||
                                bucket.front().device() != grad.device() ||
                                bytes >= bucketBytes)) {
            reduceBucket(collective, bucket);
            bucket.clear();
            bytes = 0;
        }
        bucket.push_back(grad);
        bytes += grad.numel() * static_cast<std::int64_t>(grad.element_size());
    }
    reduceBucket(collective, bucket);
    allReduceSum(collective, scalars);
}

void allReduceSum(Collective& collective, std::vector<double>& values)
{
    if (values.empty())
        return;
    std::vector<torch::Tensor> tensor{
        torch::tensor(values, torch::TensorOptions().dtype(torch::kFloat64))};
    collective.allReduceSum(tensor);
    const auto summed = tensor.front().contiguous();
    const auto* data = summed.data_ptr<double>();
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = data[i];
}

void broadcastModel(Collective& collective, model::CausalLMImpl& model)
{
    collective.syncWithRoot(); // rank 0 may still be writing the last phase's checkpoint
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> tensors;
    for (const auto& p : model.parameters())
        tensors.push_back(p);
    for (const auto& b : model.buffers())
        tensors.push_back(b);
    collective.broadcastFromRoot(tensors);
}

ControlAction agreeOnAction(Collective& collective, ControlAction local)
{
    collective.syncWithRoot(); // rank 0 may have been validating or writing a checkpoint
    std::vector<double> votes{local == ControlAction::Stop ? 1.0 : 0.0,
                              local == ControlAction::Cancel ? 1.0 : 0.0};
    allReduceSum(collective, votes);
    if (votes[1] > 0.0)
        return ControlAction::Cancel;
    return votes[0] > 0.0 ? ControlAction::Stop : ControlAction::Continue;
}

} // namespace cpo::train
