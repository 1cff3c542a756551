#include "eval/generate.h"

#include "util/error.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <string>

namespace cpo::eval {
namespace {

struct PaddedBatch {
    torch::Tensor ids;  // [batch, length] int64, left-padded
    torch::Tensor mask; // [batch, length] int64, 0 on padding
};

PaddedBatch leftPad(const std::vector<std::vector<std::int32_t>>& prompts,
                    const torch::Device& device)
{
    std::size_t longest = 0;
    for (const auto& prompt : prompts)
        longest = std::max(longest, prompt.size());
    const auto rows = static_cast<std::int64_t>(prompts.size());
    auto ids = torch::zeros({rows, static_cast<std::int64_t>(longest)}, torch::kInt64);
    auto mask = torch::zeros_like(ids);
    auto idsAccess = ids.accessor<std::int64_t, 2>();
    auto maskAccess = mask.accessor<std::int64_t, 2>();
    for (std::int64_t row = 0; row < rows; ++row) {
        const auto& prompt = prompts[static_cast<std::size_t>(row)];
        const auto offset = static_cast<std::int64_t>(longest - prompt.size());
        for (std::size_t i = 0; i < prompt.size(); ++i) {
            idsAccess[row][offset + static_cast<std::int64_t>(i)] = prompt[i];
            maskAccess[row][offset + static_cast<std::int64_t>(i)] = 1;
        }
    }
    return {ids.to(device), mask.to(device)};
}

void checkPrompts(const model::CausalLMImpl& model,
                  const std::vector<std::vector<std::int32_t>>& prompts,
                  const GenerateOptions& options)
{
    validate(options.sampling);
    if (options.maxNewTokens < 1)
        throw Error("max new tokens must be at least 1");
    const auto& config = model.config();
    for (const auto& prompt : prompts) {
        if (prompt.empty())
            throw Error("cannot generate from an empty prompt: give at least one token");
        for (const auto id : prompt)
            if (id < 0 || id >= config.vocabSize)
                throw Error("prompt token id " + std::to_string(id) + " is outside the model's "
                            "vocabulary of " + std::to_string(config.vocabSize));
        const auto total = static_cast<std::int64_t>(prompt.size()) + options.maxNewTokens;
        if (config.arch == model::Architecture::Gpt2 && total > config.maxPositions)
            throw Error("prompt of " + std::to_string(prompt.size()) + " tokens + " +
                        std::to_string(options.maxNewTokens) + " new tokens exceeds the " +
                        std::to_string(config.maxPositions) +
                        " positions of this GPT-2 model; shorten the prompt or lower max-new");
    }
}

// Restores the module's train/eval mode on every way out.
class EvalModeGuard {
public:
    explicit EvalModeGuard(torch::nn::Module& module)
        : m_module(module), m_wasTraining(module.is_training())
    {
        m_module.eval();
    }
    ~EvalModeGuard() { m_module.train(m_wasTraining); }
    EvalModeGuard(const EvalModeGuard&) = delete;
    EvalModeGuard& operator=(const EvalModeGuard&) = delete;

private:
    torch::nn::Module& m_module;
    bool m_wasTraining;
};

} // namespace

std::vector<GeneratedSequence> generate(model::CausalLMImpl& model,
                                        const std::vector<std::vector<std::int32_t>>& prompts,
                                        const GenerateOptions& options,
                                        const TokenCallback& onToken)
{
    checkPrompts(model, prompts, options);
    std::vector<GeneratedSequence> results(prompts.size());
    if (prompts.empty())
        return results;

    torch::NoGradGuard noGrad;
    EvalModeGuard evalMode(model);
    const auto device = model.parameters().front().device();
    auto generator = at::detail::createCPUGenerator(options.seed);

    auto [ids, mask] = leftPad(prompts, device);
    model::KVCache cache;
    auto logits = options.useKvCache ? model.forward(ids, mask, &cache).logits
                                     : model.forward(ids, mask).logits;
    const auto rows = static_cast<std::int64_t>(prompts.size());
    std::vector<bool> running(prompts.size(), true);
    std::int64_t stillRunning = rows;

    for (std::int64_t step = 0; step < options.maxNewTokens && stillRunning > 0; ++step) {
        const auto last = logits.select(1, logits.size(1) - 1);
        const auto next = sampleNextTokens(last, options.sampling, generator);
        const auto logProbs = last.log_softmax(-1).gather(-1, next.unsqueeze(-1)).squeeze(-1);
        const auto nextCpu = next.to(torch::kCPU);
        const auto logProbsCpu = logProbs.to(torch::kCPU, torch::kFloat32);
        for (std::int64_t row = 0; row < rows; ++row) {
            const auto r = static_cast<std::size_t>(row);
            if (!running[r])
                continue;
            const auto token = static_cast<std::int32_t>(nextCpu[row].item<std::int64_t>());
            results[r].tokens.push_back(token);
            results[r].logProbs.push_back(logProbsCpu[row].item<float>());
            const bool isEos = options.eosId && token == *options.eosId;
            results[r].endedWithEos = isEos;
            if (isEos) {
                running[r] = false;
                --stillRunning;
            }
            if (onToken && !onToken(row, token))
                return results;
        }
        if (stillRunning == 0 || step + 1 == options.maxNewTokens)
            break;
        // Rows that already ended keep decoding (their tokens are ignored): the batch stays
        // rectangular, and the work is wasted only on the tail of the longest row.
        const auto column = next.unsqueeze(1);
        mask = torch::cat({mask, torch::ones_like(column)}, 1);
        if (options.useKvCache) {
            logits = model.forward(column, mask, &cache).logits;
        } else {
            ids = torch::cat({ids, column}, 1);
            logits = model.forward(ids, mask).logits;
        }
    }
    return results;
}

} // namespace cpo::eval
