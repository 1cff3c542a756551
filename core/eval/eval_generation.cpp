#include "eval/eval_generation.h"

#include <algorithm>

namespace cpo::eval {

std::int64_t longestContinuation(std::span<const data::TokenizedExample> examples)
{
    std::size_t longest = 1;
    for (const auto& example : examples)
        longest = std::max(longest, example.continuation.size());
    return static_cast<std::int64_t>(longest);
}

std::vector<GeneratedSequence> generateContinuations(model::CausalLMImpl& model,
                                                     std::span<const data::TokenizedExample>
                                                         examples,
                                                     const Decoding& decoding,
                                                     std::optional<std::int64_t> eosId)
{
    GenerateOptions generation;
    generation.sampling = decoding.sampling;
    generation.maxNewTokens = decoding.maxNewTokens > 0 ? decoding.maxNewTokens
                                                        : longestContinuation(examples);
    generation.eosId = eosId;

    const bool wasTraining = model.is_training();
    model.eval();
    std::vector<GeneratedSequence> out;
    out.reserve(examples.size());
    const std::size_t batchSize = std::max<std::size_t>(decoding.batchSize, 1);
    for (std::size_t begin = 0; begin < examples.size(); begin += batchSize) {
        const auto chunk = examples.subspan(begin, std::min(batchSize, examples.size() - begin));
        std::vector<std::vector<std::int32_t>> prompts;
        for (const auto& example : chunk)
            prompts.emplace_back(example.prefix.begin(), example.prefix.end());
        generation.seed = decoding.seed + begin;
        auto generated = generate(model, prompts, generation);
        std::move(generated.begin(), generated.end(), std::back_inserter(out));
    }
    model.train(wasTraining);
    return out;
}

} // namespace cpo::eval
