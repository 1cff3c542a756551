#include "train/cpo/candidate_scoring.h"

#include "model/device.h"
#include "train/cpo/selected_log_probs.h"
#include "util/error.h"

#include <algorithm>
#include <limits>

namespace cpo::train {
namespace {

torch::Device deviceOf(const model::CausalLMImpl& model)
{
    return model.parameters().front().device();
}

void check(const ScoringRequest& request)
{
    if (request.continuations.size() != request.owner.size())
        throw Error("scoring: one owner per continuation is needed");
    for (const auto& prompt : request.prompts)
        if (prompt.empty())
            throw Error("scoring: a prompt is empty");
    for (std::size_t n = 0; n < request.continuations.size(); ++n) {
        if (request.continuations[n].empty())
            throw Error("scoring: a continuation is empty");
        if (request.owner[n] < 0 ||
            request.owner[n] >= static_cast<std::int64_t>(request.prompts.size()))
            throw Error("scoring: an owner index is outside the prompts");
    }
}

std::int64_t longestOf(std::span<const Tokens> sequences)
{
    std::size_t longest = 0;
    for (const auto& s : sequences)
        longest = std::max(longest, s.size());
    return static_cast<std::int64_t>(longest);
}

// Continuation tokens right-padded with 0, and their mask.
std::pair<torch::Tensor, torch::Tensor> padContinuations(std::span<const Tokens> continuations,
                                                         std::int64_t width)
{
    const auto rows = static_cast<std::int64_t>(continuations.size());
    auto ids = torch::zeros({rows, width}, torch::kInt64);
    auto mask = torch::zeros({rows, width}, torch::kFloat32);
    auto idsAccess = ids.accessor<std::int64_t, 2>();
    auto maskAccess = mask.accessor<float, 2>();
    for (std::int64_t r = 0; r < rows; ++r) {
        const auto& c = continuations[static_cast<std::size_t>(r)];
        for (std::size_t t = 0; t < c.size(); ++t) {
            idsAccess[r][static_cast<std::int64_t>(t)] = c[t];
            maskAccess[r][static_cast<std::int64_t>(t)] = 1.0F;
        }
    }
    return {ids, mask};
}

// Half-precision logits are normalised in float32; float32 and double stay as they are (the
// tests compare gradients in double).
torch::Tensor atLeastFloat32(const torch::Tensor& t)
{
    return t.element_size() < 4 ? t.to(torch::kFloat32) : t;
}

torch::Tensor pickLogProbs(const torch::Tensor& logits, const torch::Tensor& targets)
{
    return selectedLogProbs(atLeastFloat32(logits), targets);
}

} // namespace

SequenceLogProbs scoreSharedPrompts(model::CausalLMImpl& model, const ScoringRequest& request)
{
    check(request);
    const auto device = deviceOf(model);
    const auto prompts = static_cast<std::int64_t>(request.prompts.size());
    // The prompt pass encodes each prompt but its last token (left-padded); the last token
    // opens every continuation row instead. So every logit that predicts a continuation token
    // comes from the continuation pass, and the prompt pass's logits stay out of the graph:
    // no backward through its LM head, the largest matmul of a small model.
    std::int64_t headWidth = 0;
    for (const auto& prompt : request.prompts)
        headWidth = std::max(headWidth, static_cast<std::int64_t>(prompt.size()) - 1);
    auto headIds = torch::zeros({prompts, headWidth}, torch::kInt64);
    auto headMask = torch::zeros({prompts, headWidth}, torch::kInt64);
    {
        auto ids = headIds.accessor<std::int64_t, 2>();
        auto mask = headMask.accessor<std::int64_t, 2>();
        for (std::int64_t p = 0; p < prompts; ++p) {
            const auto& prompt = request.prompts[static_cast<std::size_t>(p)];
            const auto head = static_cast<std::int64_t>(prompt.size()) - 1;
            for (std::int64_t t = 0; t < head; ++t) {
                ids[p][headWidth - head + t] = prompt[static_cast<std::size_t>(t)];
                mask[p][headWidth - head + t] = 1;
            }
        }
    }
    headIds = model::toDevice(headIds, device);
    headMask = model::toDevice(headMask, device);
    model::KVCache cache;
    // A mask only when some prompt is padded: without padding plain causal attention needs
    // none. (A one-token prompt leaves a fully padded head row, masked out below.)
    const bool padded = std::any_of(request.prompts.begin(), request.prompts.end(),
                                    [&](const Tokens& p) {
                                        return static_cast<std::int64_t>(p.size()) - 1 <
                                               headWidth;
                                    });
    // Only encoded into the cache: no LM head at all (logits from position headWidth on).
    if (headWidth > 0)
        (void)model.forward(headIds, padded ? headMask : torch::Tensor(), &cache, headWidth);

    const auto owner = model::toDevice(
        torch::tensor(std::vector<std::int64_t>(request.owner.begin(), request.owner.end()),
                      torch::kInt64),
        device);
    const auto width = longestOf(request.continuations);
    auto [targets, mask] = padContinuations(request.continuations, width);
    // Inputs: the prompt's last token, then every continuation token but the last (which
    // predicts nothing).
    auto inputs = torch::cat({torch::zeros({targets.size(0), 1}, torch::kInt64),
                              targets.narrow(1, 0, width - 1)},
                             1);
    auto inputsAccess = inputs.accessor<std::int64_t, 2>();
    for (std::size_t n = 0; n < request.continuations.size(); ++n)
        inputsAccess[static_cast<std::int64_t>(n)][0] =
            request.prompts[static_cast<std::size_t>(request.owner[n])].back();
    targets = model::toDevice(targets, device);
    mask = model::toDevice(mask, device);
    inputs = model::toDevice(inputs, device);
    torch::Tensor logits;
    if (headWidth > 0) {
        auto rowCache = cache.selectRows(owner);
        // Without padding anywhere, causal attention over the cache needs no key mask (and
        // the positions simply continue the prompt's).
        const bool ragged = std::any_of(request.continuations.begin(),
                                        request.continuations.end(), [&](const Tokens& c) {
                                            return static_cast<std::int64_t>(c.size()) < width;
                                        });
        const auto keyMask =
            padded || ragged
                ? torch::cat({headMask.index_select(0, owner), mask.to(torch::kInt64)}, 1)
                : torch::Tensor();
        logits = model.forward(inputs, keyMask, &rowCache).logits;
    } else {
        // Right-padded rows: under causal attention no real token sees the padding.
        logits = model.forward(inputs).logits;
    }
    return {pickLogProbs(logits, targets) * mask, mask};
}

SequenceLogProbs scoreFullSequences(model::CausalLMImpl& model, const ScoringRequest& request)
{
    check(request);
    const auto device = deviceOf(model);
    const auto rows = static_cast<std::int64_t>(request.continuations.size());
    const auto promptOf = [&](std::int64_t r) -> const Tokens& {
        const auto owner = request.owner[static_cast<std::size_t>(r)];
        return request.prompts[static_cast<std::size_t>(owner)];
    };
    // Column r·total + t predicts token t + 1. The first column that predicts a continuation
    // token is the shortest prompt's last one: the LM head starts there, the prompt columns
    // before it predict nothing that is scored.
    std::int64_t total = 0;
    std::int64_t first = std::numeric_limits<std::int64_t>::max();
    for (std::int64_t r = 0; r < rows; ++r) {
        const auto prompt = static_cast<std::int64_t>(promptOf(r).size());
        total = std::max(total, prompt + static_cast<std::int64_t>(
                                             request.continuations[static_cast<std::size_t>(r)]
                                                 .size()));
        first = std::min(first, prompt - 1);
    }
    auto ids = torch::zeros({rows, total}, torch::kInt64);
    {
        auto idsAccess = ids.accessor<std::int64_t, 2>();
        for (std::int64_t r = 0; r < rows; ++r) {
            std::int64_t t = 0;
            for (const auto id : promptOf(r))
                idsAccess[r][t++] = id;
            for (const auto id : request.continuations[static_cast<std::size_t>(r)])
                idsAccess[r][t++] = id;
        }
    }
    ids = model::toDevice(ids, device);
    // Right-padded: under causal attention no real token sees the padding. The last column is
    // no input: it predicts nothing.
    const auto predicted = total - 1 - first;
    const auto logits = model.forward(ids.narrow(1, 0, total - 1), {}, nullptr, first).logits;
    const auto logProbs = pickLogProbs(logits, ids.narrow(1, first + 1, predicted));

    // Realign each row's continuation to start at column 0, as scoreSharedPrompts returns it.
    const auto width = longestOf(request.continuations);
    std::vector<std::int64_t> starts(static_cast<std::size_t>(rows));
    for (std::int64_t r = 0; r < rows; ++r)
        starts[static_cast<std::size_t>(r)] =
            static_cast<std::int64_t>(promptOf(r).size()) - 1 - first;
    const auto columns = model::toDevice((torch::tensor(starts, torch::kInt64).unsqueeze(1) +
                                          torch::arange(width, torch::kInt64).unsqueeze(0))
                                             .clamp_max(predicted - 1),
                                         device);
    const auto mask =
        model::toDevice(padContinuations(request.continuations, width).second, device);
    return {logProbs.gather(1, columns) * mask, mask};
}

} // namespace cpo::train
