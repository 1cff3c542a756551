#include "eval/generate.h"

#include "model/device.h"
#include "util/error.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <map>
#include <string>

namespace cpo::eval {
namespace {

// The batch's ids and attention mask, allocated once for prompt + generated tokens so that
// each step writes one column instead of reallocating the batch. Only the first `length`
// columns are the sequence so far.
struct Sequences {
    torch::Tensor ids;  // [batch, longest prompt + room] int64, prompts left-padded
    torch::Tensor mask; // same shape, 0 on padding; the room is all real tokens
    std::int64_t length = 0;

    torch::Tensor currentIds() const { return ids.narrow(1, 0, length); }
    torch::Tensor currentMask() const { return mask.narrow(1, 0, length); }
    void append(const torch::Tensor& next) { ids.select(1, length++).copy_(next); }
};

Sequences leftPad(const std::vector<std::vector<std::int32_t>>& prompts, std::int64_t room,
                  const torch::Device& device)
{
    std::size_t longest = 0;
    for (const auto& prompt : prompts)
        longest = std::max(longest, prompt.size());
    const auto rows = static_cast<std::int64_t>(prompts.size());
    const auto length = static_cast<std::int64_t>(longest);
    auto ids = torch::zeros({rows, length + room}, torch::kInt64);
    auto mask = torch::ones_like(ids);
    mask.narrow(1, 0, length).zero_();
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
    return {model::toDevice(ids, device), model::toDevice(mask, device), length};
}

// Rows with identical prompts (AN draws several continuations per prompt) share one encoding:
// `first` is one row per distinct prompt, `owner` maps every row to its entry in `first`.
struct SharedPrompts {
    std::vector<std::int64_t> first;
    std::vector<std::int64_t> owner;

    bool anyShared() const { return first.size() < owner.size(); }
};

SharedPrompts sharePrompts(const std::vector<std::vector<std::int32_t>>& prompts)
{
    SharedPrompts shared;
    std::map<std::vector<std::int32_t>, std::int64_t> seen;
    for (std::size_t row = 0; row < prompts.size(); ++row) {
        const auto next = static_cast<std::int64_t>(shared.first.size());
        const auto [it, inserted] = seen.try_emplace(prompts[row], next);
        if (inserted)
            shared.first.push_back(static_cast<std::int64_t>(row));
        shared.owner.push_back(it->second);
    }
    return shared;
}

// Runs the prompts through the model, filling the cache, and returns logits whose last
// position is every row's next-token distribution. Each distinct prompt is encoded once and
// its keys and values copied to the rows that share it.
torch::Tensor encodePrompts(model::CausalLMImpl& model, const Sequences& sequences,
                            const SharedPrompts& shared, model::KVCache& cache)
{
    const auto ids = sequences.currentIds();
    const auto mask = sequences.currentMask();
    if (!shared.anyShared())
        return model.forward(ids, mask, &cache).logits;
    const auto first = torch::tensor(shared.first, torch::kInt64).to(ids.device());
    const auto owner = torch::tensor(shared.owner, torch::kInt64).to(ids.device());
    model::KVCache distinct;
    distinct.reserve(sequences.ids.size(1));
    const auto logits =
        model.forward(ids.index_select(0, first), mask.index_select(0, first), &distinct).logits;
    cache = distinct.selectRows(owner);
    return logits.narrow(1, logits.size(1) - 1, 1).index_select(0, owner);
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

// Appends each still-running row's token to its sequence (the row ends when it is EOS) and
// reports it to the callback. Returns whether generation goes on: some row still runs and
// the callback did not ask to stop. tokens: int64 [rows] on the CPU.
bool recordTokens(const torch::Tensor& tokens, const GenerateOptions& options,
                  const TokenCallback& onToken, std::vector<GeneratedSequence>& results)
{
    const auto access = tokens.accessor<std::int64_t, 1>();
    bool anyRunning = false;
    for (std::size_t r = 0; r < results.size(); ++r) {
        auto& sequence = results[r];
        if (sequence.endedWithEos)
            continue;
        const auto row = static_cast<std::int64_t>(r);
        const auto token = static_cast<std::int32_t>(access[row]);
        sequence.tokens.push_back(token);
        sequence.endedWithEos = options.eosId && token == *options.eosId;
        anyRunning = anyRunning || !sequence.endedWithEos;
        if (onToken && !onToken(row, token))
            return false;
    }
    return anyRunning;
}

// Gives each sequence the log-probs of the tokens it kept, read from the [rows, steps]
// buffer that decoding filled on the model's device.
void attachLogProbs(const torch::Tensor& logProbs, std::vector<GeneratedSequence>& results)
{
    const auto host = logProbs.to(torch::kCPU);
    const auto access = host.accessor<float, 2>();
    for (std::size_t r = 0; r < results.size(); ++r) {
        auto& sequence = results[r];
        sequence.logProbs.resize(sequence.tokens.size());
        const auto row = access[static_cast<std::int64_t>(r)];
        for (std::size_t i = 0; i < sequence.tokens.size(); ++i)
            sequence.logProbs[i] = row[static_cast<std::int64_t>(i)];
    }
}

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

    // The last new token is never fed back: the sequences grow by maxNewTokens - 1.
    auto sequences = leftPad(prompts, options.maxNewTokens - 1, device);
    model::KVCache cache;
    cache.reserve(sequences.ids.size(1));
    auto logits = options.useKvCache
                      ? encodePrompts(model, sequences, sharePrompts(prompts), cache)
                      : model.forward(sequences.currentIds(), sequences.currentMask()).logits;
    const auto rows = static_cast<std::int64_t>(prompts.size());
    auto logProbs = torch::empty({rows, options.maxNewTokens},
                                 torch::TensorOptions().dtype(torch::kFloat32).device(device));

    for (std::int64_t step = 0;; ++step) {
        const auto last = logits.select(1, logits.size(1) - 1);
        const auto next = sampleNextTokens(last, options.sampling, generator);
        logProbs.select(1, step).copy_(
            last.log_softmax(-1).gather(-1, next.unsqueeze(-1)).squeeze(-1));
        // The step's one host sync: the tokens, for EOS and the callback.
        if (!recordTokens(next.to(torch::kCPU), options, onToken, results) ||
            step + 1 == options.maxNewTokens)
            break;
        // Rows that already ended keep decoding (their tokens are ignored): the batch stays
        // rectangular, and the work is wasted only on the tail of the longest row.
        sequences.append(next);
        logits = options.useKvCache
                     ? model.forward(next.unsqueeze(1), sequences.currentMask(), &cache).logits
                     : model.forward(sequences.currentIds(), sequences.currentMask()).logits;
    }
    attachLogProbs(logProbs, results);
    return results;
}

} // namespace cpo::eval
