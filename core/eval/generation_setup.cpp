#include "eval/generation_setup.h"

#include "util/error.h"

namespace cpo::eval {

PreparedGeneration prepareGeneration(const tokenize::Tokenizer& tokenizer,
                                     std::string_view prompt,
                                     const GenerationSettings& settings)
{
    PreparedGeneration prepared;
    prepared.prompt = tokenizer.encode(prompt);
    if (prepared.prompt.empty() && tokenizer.bosId())
        prepared.prompt.push_back(*tokenizer.bosId());
    if (prepared.prompt.empty())
        throw Error("the prompt is empty and the tokenizer has no BOS token to start from; "
                    "give some text");
    prepared.options.sampling = settings.sampling;
    prepared.options.maxNewTokens = settings.maxNewTokens;
    prepared.options.seed = settings.seed;
    if (const auto eos = tokenizer.eosId())
        prepared.options.eosId = *eos;
    return prepared;
}

} // namespace cpo::eval
