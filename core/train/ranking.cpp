#include "train/ranking.h"

#include "util/error.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace cpo::train {
namespace {

// Puts a module back into the mode it was in, also when forward() throws.
class EvalModeScope {
public:
    explicit EvalModeScope(torch::nn::Module& module)
        : m_module(module), m_wasTraining(module.is_training())
    {
        m_module.eval();
    }
    ~EvalModeScope() { m_module.train(m_wasTraining); }
    EvalModeScope(const EvalModeScope&) = delete;
    EvalModeScope& operator=(const EvalModeScope&) = delete;

private:
    torch::nn::Module& m_module;
    bool m_wasTraining;
};

void checkEmbeddingInputs(const torch::Tensor& ids, const torch::Tensor& attentionMask,
                          const torch::Tensor& continuationMask)
{
    if (ids.dim() != 2)
        throw Error("ranking embeddings: ids must be [N, T], got " + std::to_string(ids.dim()) +
                    " dimensions");
    if (!continuationMask.sizes().equals(ids.sizes()) ||
        (attentionMask.defined() && !attentionMask.sizes().equals(ids.sizes())))
        throw Error("ranking embeddings: the attention and continuation masks must have the "
                    "shape of ids [N, T]");
}

// Cosine similarity in double, one plain loop per row: identical embeddings then give
// bit-identical similarities (an exact tie) whatever BLAS or LibTorch version runs.
// A zero vector has no direction; its similarity is 0.
double cosine(const double* x, const double* y, std::int64_t size)
{
    double dot = 0.0;
    double xx = 0.0;
    double yy = 0.0;
    for (std::int64_t i = 0; i < size; ++i) {
        dot += x[i] * y[i];
        xx += x[i] * x[i];
        yy += y[i] * y[i];
    }
    const double norms = std::sqrt(xx) * std::sqrt(yy);
    return norms > 0.0 ? dot / norms : 0.0;
}

} // namespace

torch::Tensor continuationEmbeddings(model::CausalLMImpl& model, const torch::Tensor& ids,
                                     const torch::Tensor& attentionMask,
                                     const torch::Tensor& continuationMask)
{
    checkEmbeddingInputs(ids, attentionMask, continuationMask);
    torch::NoGradGuard noGrad;
    EvalModeScope evalMode(model);
    // Only the hidden states are used: no LM head (logits from the last position + 1 on).
    const auto hidden =
        model.forward(ids, attentionMask, nullptr, ids.size(1)).hidden.to(torch::kFloat32);
    // A position counts when it is both real and in the continuation, so a caller may mark
    // the continuation as "every position after the prompt" without masking padding twice.
    auto weights = continuationMask.to(hidden.device(), torch::kFloat32);
    if (attentionMask.defined())
        weights = weights * attentionMask.to(hidden.device(), torch::kFloat32);
    const auto counts = weights.sum(1, /*keepdim=*/true);
    if ((counts == 0).any().item<bool>())
        throw Error("ranking embeddings: a row has no continuation tokens to pool over");
    return (hidden * weights.unsqueeze(-1)).sum(1) / counts;
}

RankedNegatives rankBySimilarity(const torch::Tensor& groundTruth, const torch::Tensor& negatives)
{
    if (groundTruth.dim() != 1 || negatives.dim() != 2 ||
        negatives.size(1) != groundTruth.size(0))
        throw Error("ranking: expected a ground-truth embedding [hidden] and negatives "
                    "[K-1, hidden] of the same width");
    const auto truth = groundTruth.to(torch::kCPU, torch::kFloat64).contiguous();
    const auto rows = negatives.to(torch::kCPU, torch::kFloat64).contiguous();
    const auto width = truth.size(0);
    RankedNegatives ranked;
    ranked.similarities.reserve(static_cast<std::size_t>(rows.size(0)));
    for (std::int64_t k = 0; k < rows.size(0); ++k) {
        const double similarity =
            cosine(rows.data_ptr<double>() + k * width, truth.data_ptr<double>(), width);
        if (!std::isfinite(similarity))
            throw Error("ranking: the embedding of negative " + std::to_string(k) +
                        " or of the ground truth is not finite");
        ranked.similarities.push_back(similarity);
    }
    ranked.order.resize(ranked.similarities.size());
    std::iota(ranked.order.begin(), ranked.order.end(), std::int64_t{0});
    const auto& similarities = ranked.similarities;
    std::stable_sort(ranked.order.begin(), ranked.order.end(),
                     [&](std::int64_t i, std::int64_t j) {
                         return similarities[static_cast<std::size_t>(i)] >
                                similarities[static_cast<std::size_t>(j)];
                     });
    return ranked;
}

} // namespace cpo::train
