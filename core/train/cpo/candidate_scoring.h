#pragma once

#include "model/causal_lm.h"
#include "tokenize/tokenizer.h"

#include <torch/torch.h>

#include <cstdint>
#include <span>
#include <vector>

namespace cpo::train {

using Tokens = std::vector<tokenize::TokenId>;

// Continuations to score, each against one of a set of prompts: continuation n is scored
// given prompts[owner[n]]. The K candidates of an example share its prompt.
struct ScoringRequest {
    std::span<const Tokens> prompts;       // each non-empty
    std::span<const Tokens> continuations; // each non-empty; EOS, if any, is scored
    std::span<const std::int64_t> owner;   // one per continuation, an index into prompts
};

// log p(token | prompt, previous tokens) of every continuation token.
struct SequenceLogProbs {
    torch::Tensor tokens; // [N, maxLength] on the model's device (float32 or wider), 0 past end
    torch::Tensor mask;   // [N, maxLength] float32, 1 on real tokens
    torch::Tensor sums() const { return tokens.sum(1); } // log p(continuation | prompt)
};

// Prompt sharing (DESIGN.md §5): each prompt but its last token is encoded once
// (left-padded); its keys and values are repeated for its continuations
// (KVCache::selectRows), which then run right-padded against them, each row opening with the
// prompt's last token, so that all the logits that predict continuation tokens come from
// that one pass and only those are normalised. Gradients flow into the prompt's pass through
// the cached keys and values, so the result and its gradients equal scoreFullSequences' up
// to rounding. The model's mode is the caller's (π_θ in train mode with grad; π_ref under
// NoGradGuard in eval mode).
SequenceLogProbs scoreSharedPrompts(model::CausalLMImpl& model, const ScoringRequest& request);

// The straightforward way, kept as the reference for tests and the benchmark: each
// continuation as a full sequence (prompt + continuation, right-padded), one forward pass
// over all of them, continuation tokens picked out. Only the positions from the shortest
// prompt's last token on get the LM head and the normalisation: the others predict nothing
// that is scored.
SequenceLogProbs scoreFullSequences(model::CausalLMImpl& model, const ScoringRequest& request);

} // namespace cpo::train
