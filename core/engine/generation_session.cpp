#include "engine/generation_session.h"

#include "eval/generate.h"
#include "model/device.h"
#include "model/hf_folder.h"
#include "tokenize/tokenizer.h"
#include "util/error.h"

#include <c10/util/Exception.h>

namespace cpo::engine {
namespace {

// LibTorch's message without its C++ backtrace: the first line says what went wrong.
Error plainError(const c10::Error& error)
{
    const std::string message = error.what_without_backtrace();
    return Error(message.substr(0, message.find('\n')));
}

} // namespace

struct GenerationSession::Loaded {
    std::unique_ptr<tokenize::Tokenizer> tokenizer;
    model::CausalLM model;
};

GenerationSession::GenerationSession(const std::string& modelDir,
                                     const std::string& tokenizerPath, const std::string& device)
    : m_loaded(std::make_unique<Loaded>())
{
    try {
        m_loaded->tokenizer = tokenize::loadTokenizer(tokenizerPath);
        m_loaded->model = model::loadHfModel(modelDir, model::parseDevice(device));
    } catch (const c10::Error& e) {
        throw plainError(e);
    }
}

GenerationSession::~GenerationSession() = default;

std::string GenerationSession::describeTokenizer() const
{
    return m_loaded->tokenizer->describe();
}

std::vector<std::int32_t> GenerationSession::encodePrompt(std::string_view prompt) const
{
    const auto& tokenizer = *m_loaded->tokenizer;
    auto tokens = tokenizer.encode(prompt);
    if (tokens.empty() && tokenizer.bosId())
        tokens.push_back(*tokenizer.bosId());
    if (tokens.empty())
        throw Error("the prompt is empty and the tokenizer has no BOS token to start from; "
                    "give some text");
    return tokens;
}

std::string GenerationSession::decode(const std::vector<std::int32_t>& tokens) const
{
    return m_loaded->tokenizer->decode(tokens);
}

Generation GenerationSession::generate(const std::vector<std::int32_t>& prompt,
                                       const GenerationSettings& settings,
                                       const GenerationProgress& onToken)
{
    eval::GenerateOptions options;
    options.sampling = settings.sampling;
    options.maxNewTokens = settings.maxNewTokens;
    options.seed = settings.seed;
    if (const auto eos = m_loaded->tokenizer->eosId())
        options.eosId = *eos;
    std::vector<std::int32_t> soFar;
    const auto progress = [&](std::int64_t, std::int32_t token) {
        soFar.push_back(token);
        return !onToken || onToken(soFar);
    };
    try {
        auto result = eval::generate(*m_loaded->model, {prompt}, options, progress).front();
        return {std::move(result.tokens), std::move(result.logProbs), result.endedWithEos};
    } catch (const c10::Error& e) {
        throw plainError(e);
    }
}

} // namespace cpo::engine
