#include "train/cpo/candidate_batch.h"

#include "model/device.h"
#include "train/ranking.h"
#include "util/error.h"

#include <algorithm>
#include <map>

namespace cpo::train {

CandidateBatch assembleCandidates(std::span<const data::TokenizedExample> batch,
                                  negatives::SampleResult sampled,
                                  const ReferenceCache& cache)
{
    CandidateBatch out;
    out.examples = static_cast<std::int64_t>(batch.size());
    out.k = batch.empty() ? 0
                          : static_cast<std::int64_t>(sampled.negatives.front().size()) + 1;
    for (std::size_t b = 0; b < batch.size(); ++b) {
        const auto& example = batch[b];
        if (static_cast<std::int64_t>(sampled.negatives[b].size()) + 1 != out.k)
            throw Error("every example needs the same number of negatives");
        out.prompts.push_back(example.prefix);
        out.continuations.push_back(example.continuation);
        out.owner.push_back(static_cast<std::int64_t>(b));
        out.strategies.emplace_back(std::nullopt);
        // A fresh pass first: it came from this very batch, so a resumed run, whose cache
        // starts empty, reads the same values.
        const auto* cached = cache.find(example.hash, example.continuation.size());
        if (b < sampled.groundTruthReferenceLogProbs.size() &&
            !sampled.groundTruthReferenceLogProbs[b].empty())
            out.knownReference.push_back(std::move(sampled.groundTruthReferenceLogProbs[b]));
        else if (cached != nullptr)
            out.knownReference.push_back(*cached);
        else
            out.knownReference.emplace_back();
        for (auto& negative : sampled.negatives[b]) {
            out.continuations.push_back(std::move(negative.tokens));
            out.owner.push_back(static_cast<std::int64_t>(b));
            out.strategies.emplace_back(negative.strategy);
            out.knownReference.push_back(std::move(negative.referenceLogProbs));
        }
    }
    return out;
}

SequenceLogProbs referenceLogProbs(model::CausalLMImpl& reference, const CandidateBatch& batch,
                                   std::span<const data::TokenizedExample> examples,
                                   ReferenceCache& cache, torch::Device device)
{
    const auto rows = static_cast<std::int64_t>(batch.continuations.size());
    std::size_t width = 0;
    for (const auto& c : batch.continuations)
        width = std::max(width, c.size());
    auto values = torch::zeros({rows, static_cast<std::int64_t>(width)}, torch::kFloat32);
    auto mask = torch::zeros_like(values);
    auto valuesAccess = values.accessor<float, 2>();
    auto maskAccess = mask.accessor<float, 2>();
    const auto put = [&](std::int64_t row, const auto& logProbs) {
        for (std::size_t t = 0; t < logProbs.size(); ++t) {
            valuesAccess[row][static_cast<std::int64_t>(t)] = logProbs[t];
            maskAccess[row][static_cast<std::int64_t>(t)] = 1.0F;
        }
    };

    std::vector<std::int64_t> missing;
    for (std::int64_t r = 0; r < rows; ++r) {
        const auto& known = batch.knownReference[static_cast<std::size_t>(r)];
        if (!known.empty() &&
            known.size() == batch.continuations[static_cast<std::size_t>(r)].size())
            put(r, known);
        else
            missing.push_back(r);
    }
    if (!missing.empty()) {
        // Only the prompts that still have candidates to score are encoded.
        std::map<std::int64_t, std::int64_t> promptSlot;
        std::vector<Tokens> prompts;
        std::vector<Tokens> continuations;
        std::vector<std::int64_t> owner;
        for (const auto r : missing) {
            const auto example = batch.owner[static_cast<std::size_t>(r)];
            auto [it, added] =
                promptSlot.emplace(example, static_cast<std::int64_t>(prompts.size()));
            if (added)
                prompts.push_back(batch.prompts[static_cast<std::size_t>(example)]);
            continuations.push_back(batch.continuations[static_cast<std::size_t>(r)]);
            owner.push_back(it->second);
        }
        torch::NoGradGuard noGrad;
        const bool wasTraining = reference.is_training();
        reference.eval();
        const auto scored = scoreSharedPrompts(reference, {prompts, continuations, owner})
                                .tokens.to(torch::kCPU)
                                .contiguous();
        reference.train(wasTraining);
        const auto scoredAccess = scored.accessor<float, 2>();
        for (std::size_t m = 0; m < missing.size(); ++m) {
            const auto r = missing[m];
            const auto length = batch.continuations[static_cast<std::size_t>(r)].size();
            std::vector<float> row(length);
            for (std::size_t t = 0; t < length; ++t)
                row[t] = scoredAccess[static_cast<std::int64_t>(m)][static_cast<std::int64_t>(t)];
            put(r, row);
            if (r % batch.k == 0) { // a y1: the same next time this example comes round
                const auto& example = examples[static_cast<std::size_t>(r / batch.k)];
                cache.insert(example.hash, std::move(row));
            }
        }
    }
    for (std::int64_t r = 0; r < rows; r += batch.k) {
        const auto& example = examples[static_cast<std::size_t>(r / batch.k)];
        const auto& known = batch.knownReference[static_cast<std::size_t>(r)];
        if (known.size() == example.continuation.size() &&
            cache.find(example.hash, known.size()) == nullptr)
            cache.insert(example.hash, known);
    }
    return {model::toDevice(values, device), model::toDevice(mask, device)};
}

CandidateOrder rankCandidates(model::CausalLMImpl& embedding, const CandidateBatch& batch)
{
    const auto rows = static_cast<std::int64_t>(batch.continuations.size());
    const auto promptOf = [&](std::int64_t r) -> const Tokens& {
        return batch.prompts[static_cast<std::size_t>(batch.owner[static_cast<std::size_t>(r)])];
    };
    std::int64_t total = 0;
    for (std::int64_t r = 0; r < rows; ++r)
        total = std::max(total, static_cast<std::int64_t>(
                                    promptOf(r).size() +
                                    batch.continuations[static_cast<std::size_t>(r)].size()));
    auto ids = torch::zeros({rows, total}, torch::kInt64);
    auto attention = torch::zeros({rows, total}, torch::kInt64);
    auto continuation = torch::zeros({rows, total}, torch::kInt64);
    auto idsAccess = ids.accessor<std::int64_t, 2>();
    auto attentionAccess = attention.accessor<std::int64_t, 2>();
    auto continuationAccess = continuation.accessor<std::int64_t, 2>();
    for (std::int64_t r = 0; r < rows; ++r) {
        const auto& prompt = promptOf(r);
        const auto& tokens = batch.continuations[static_cast<std::size_t>(r)];
        std::int64_t t = 0;
        for (const auto id : prompt) {
            attentionAccess[r][t] = 1;
            idsAccess[r][t++] = id;
        }
        for (const auto id : tokens) {
            attentionAccess[r][t] = 1;
            continuationAccess[r][t] = 1;
            idsAccess[r][t++] = id;
        }
    }
    const auto device = embedding.parameters().front().device();
    const auto embeddings =
        continuationEmbeddings(embedding, model::toDevice(ids, device),
                               model::toDevice(attention, device),
                               model::toDevice(continuation, device))
            .to(torch::kCPU);
    CandidateOrder out;
    out.order = torch::zeros({batch.examples, batch.k}, torch::kInt64);
    out.similarities.assign(static_cast<std::size_t>(rows), 1.0);
    auto orderAccess = out.order.accessor<std::int64_t, 2>();
    for (std::int64_t b = 0; b < batch.examples; ++b) {
        const auto own = embeddings[b * batch.k];
        const auto others = embeddings.narrow(0, b * batch.k + 1, batch.k - 1);
        const auto ranked = rankBySimilarity(own, others);
        for (std::int64_t j = 0; j + 1 < batch.k; ++j) {
            orderAccess[b][j + 1] = ranked.order[static_cast<std::size_t>(j)] + 1;
            out.similarities[static_cast<std::size_t>(b * batch.k + j + 1)] =
                ranked.similarities[static_cast<std::size_t>(j)];
        }
    }
    return out;
}

} // namespace cpo::train
