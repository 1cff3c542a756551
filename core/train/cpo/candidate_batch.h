#pragma once

#include "data/examples.h"
#include "model/causal_lm.h"
#include "train/cpo/candidate_scoring.h"
#include "train/cpo/reference_cache.h"
#include "train/negatives/negative_sampler.h"

#include <torch/torch.h>

#include <optional>
#include <span>
#include <vector>

namespace cpo::train {

// The K candidates of each example of a micro-batch, flattened: row b·K + k, k = 0 is y1.
struct CandidateBatch {
    std::int64_t examples = 0;
    std::int64_t k = 0;
    std::vector<Tokens> prompts;       // one per example
    std::vector<Tokens> continuations; // one per candidate
    std::vector<std::int64_t> owner;   // one per candidate: its example
    std::vector<std::optional<negatives::Strategy>> strategies; // empty for y1
    // π_ref log-probs per token known without another pass (sampler, cache); empty if not.
    std::vector<std::vector<float>> knownReference;

    ScoringRequest request() const { return {prompts, continuations, owner}; }
};

// Candidates of `batch` with its negatives (each example's count must be K − 1). y1's known
// reference log-probs come from the sampler's teacher-forced pass, else from the cache.
CandidateBatch assembleCandidates(std::span<const data::TokenizedExample> batch,
                                  negatives::SampleResult sampled,
                                  const ReferenceCache& cache);

// Every candidate's per-token log π_ref: the known ones as they are, the others computed in
// one prompt-shared pass (no gradients, eval mode). y1's enter the cache (keyed by the
// example's hash). Returned on `device`.
SequenceLogProbs referenceLogProbs(model::CausalLMImpl& reference, const CandidateBatch& batch,
                                   std::span<const data::TokenizedExample> examples,
                                   ReferenceCache& cache, torch::Device device);

struct CandidateOrder {
    torch::Tensor order;              // [B, K] int64: y1 first, negatives most similar first
    std::vector<double> similarities; // per candidate: cosine similarity to its y1 (y1: 1)
};

// The ranking target of DESIGN.md §1, embeddings from `embedding` (train::rankBySimilarity).
CandidateOrder rankCandidates(model::CausalLMImpl& embedding, const CandidateBatch& batch);

} // namespace cpo::train
