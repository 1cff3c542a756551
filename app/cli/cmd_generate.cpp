#include "cli_common.h"
#include "device_option.h"
#include "hub_arguments.h"
#include "number_checks.h"

#include "engine/generation_session.h"
#include "util/error.h"

#include <iostream>
#include <memory>

namespace cpo::cli {
namespace {

struct GenerateCliOptions {
    CommonOptions common;
    std::string model;
    std::string tokenizer;
    std::string prompt;
    std::string device = "cpu";
    std::int64_t maxNew = 64;
    double temperature = 1.0;
    std::int64_t topK = 0;
    double topP = 1.0;
    std::uint64_t seed = 0;
};

// Prints the continuation as it grows. Decoding the whole continuation each time (rather
// than token by token) keeps multi-byte characters and SentencePiece spacing intact.
class StreamPrinter {
public:
    explicit StreamPrinter(const engine::GenerationSession& session) : m_session(session) {}

    void show(const std::vector<std::int32_t>& tokens)
    {
        const std::string text = m_session.decode(tokens);
        if (text.size() > m_printed && text.compare(0, m_printed, m_text, 0, m_printed) == 0) {
            std::cout << text.substr(m_printed) << std::flush;
            m_printed = text.size();
        }
        m_text = text;
    }

private:
    const engine::GenerationSession& m_session;
    std::string m_text;
    std::size_t m_printed = 0;
};

int runGenerate(const GenerateCliOptions& options)
{
    applyCommonOptions(options.common);
    requireDevice(options.device);
    warnIfReferenceBlas();
    engine::GenerationSession session(modelFolder(options.model),
                                      tokenizerLocation(options.tokenizer), options.device);
    std::vector<std::int32_t> prompt;
    try {
        prompt = session.encodePrompt(options.prompt);
    } catch (const Error& e) {
        throw Error(std::string("--prompt: ") + e.what()); // the flag to fix
    }
    StreamPrinter printer(session);
    const auto result = session.generate(
        prompt, {{options.temperature, options.topK, options.topP}, options.maxNew, options.seed},
        [&](const std::vector<std::int32_t>& tokens) {
            if (!options.common.json)
                printer.show(tokens);
            return true;
        });
    if (!options.common.json) {
        std::cout << std::endl;
        return 0;
    }
    printJson({{"prompt", options.prompt},
               {"prompt_tokens", prompt},
               {"continuation", session.decode(result.tokens)},
               {"tokens", result.tokens},
               {"log_probs", result.logProbs},
               {"ended_with_eos", result.endedWithEos}});
    return 0;
}

} // namespace

void addGenerateCommand(CLI::App& app, Action& action)
{
    auto options = std::make_shared<GenerateCliOptions>();
    auto* command = app.add_subcommand("generate", "Stream a model's continuation of a prompt");
    command->add_option("--model", options->model,
                        "Hugging Face model folder, or hub:ORG/NAME[@REVISION]")
        ->required();
    command->add_option("--tokenizer", options->tokenizer,
                        "Tokenizer folder or file (see `cpo tokenize --help`), or "
                        "hub:ORG/NAME[@REVISION]")
        ->required();
    command->add_option("--prompt", options->prompt, "Text to continue")->required();
    command->add_option("--max-new", options->maxNew, "Most tokens to generate")
        ->capture_default_str()
        ->check(positiveNumber());
    command->add_option("--temperature", options->temperature, "0 = greedy")
        ->capture_default_str()
        ->check(nonNegativeNumber());
    command->add_option("--top-k", options->topK, "Keep the k likeliest tokens (0 = off)")
        ->capture_default_str()
        ->check(nonNegativeNumber());
    command->add_option("--top-p", options->topP, "Nucleus mass to keep, in (0, 1]")
        ->capture_default_str()
        ->check(numberBetween(0.0, 1.0));
    command->add_option("--seed", options->seed, "Sampling seed")->capture_default_str();
    addDeviceOption(*command, options->device, "cpu");
    addCommonOptions(*command, options->common);
    command->callback([options, &action] { action = [options] { return runGenerate(*options); }; });
}

} // namespace cpo::cli
