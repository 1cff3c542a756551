#include "data/examples.h"

#include "util/error.h"
#include "util/hash.h"
#include "util/log.h"

namespace cpo::data {

std::uint64_t exampleHash(std::string_view prompt, std::string_view continuation)
{
    std::uint64_t state = fnv1a64(prompt.size(), kFnvOffsetBasis);
    state = fnv1a64(prompt, state);
    state = fnv1a64(continuation.size(), state);
    return fnv1a64(continuation, state);
}

TokenizedDataset tokenizeExamples(std::span<const TextExample> examples,
                                  const tokenize::Tokenizer& tokenizer,
                                  const TokenizeLimits& limits)
{
    const auto eos = tokenizer.eosId();
    if (!eos)
        throw Error("the tokenizer (" + tokenizer.describe() + ") has no end-of-sequence "
                    "token, which every ground-truth continuation must end with; use one that "
                    "has (GPT-2's <|endoftext|>, SentencePiece's </s>)");

    TokenizedDataset out;
    out.report.input = examples.size();
    out.examples.reserve(examples.size());
    for (const TextExample& example : examples) {
        auto prefix = tokenizer.encode(example.prompt, false);
        auto continuation = tokenizer.encode(example.continuation, false);
        if (prefix.empty() || continuation.empty()) {
            ++out.report.droppedEmpty;
            continue;
        }
        if (limits.maxPrefixTokens > 0 && prefix.size() > limits.maxPrefixTokens) {
            prefix.erase(prefix.begin(),
                         prefix.end() - static_cast<std::ptrdiff_t>(limits.maxPrefixTokens));
            ++out.report.prefixTruncated;
        }
        if (limits.maxContinuationTokens > 0
            && continuation.size() + 1 > limits.maxContinuationTokens) {
            continuation.resize(limits.maxContinuationTokens);
            ++out.report.continuationTruncated;
        } else {
            continuation.push_back(*eos);
        }
        const std::uint64_t hash = exampleHash(example.prompt, example.continuation);
        out.examples.push_back({std::move(prefix), std::move(continuation), example.category,
                                hash, hash});
    }
    out.report.kept = out.examples.size();
    cpo::log::get("data")->info(
        "tokenized {} of {} examples ({} empty dropped, {} prompts and {} continuations cut "
        "to {} / {} tokens)",
        out.report.kept, out.report.input, out.report.droppedEmpty, out.report.prefixTruncated,
        out.report.continuationTruncated, limits.maxPrefixTokens, limits.maxContinuationTokens);
    return out;
}

} // namespace cpo::data
