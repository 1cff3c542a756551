#include "cli_common.h"

#include "tokenize/tokenizer.h"

#include <iostream>
#include <memory>

namespace cpo::cli {
namespace {

struct TokenizeOptions {
    CommonOptions common;
    std::string tokenizer;
    bool special = false;
};

int runTokenize(const TokenizeOptions& options)
{
    applyCommonOptions(options.common);
    const auto tokenizer = tokenize::loadTokenizer(options.tokenizer);
    nlohmann::json all = nlohmann::json::array();
    std::string line;
    while (std::getline(std::cin, line)) {
        const auto ids = tokenizer->encode(line, options.special);
        if (options.common.json) {
            all.push_back(ids);
            continue;
        }
        for (std::size_t i = 0; i < ids.size(); ++i)
            std::cout << (i ? " " : "") << ids[i];
        std::cout << '\n';
    }
    if (options.common.json)
        printJson({{"ids", all}});
    return 0;
}

} // namespace

void addTokenizeCommand(CLI::App& app, Action& action)
{
    auto options = std::make_shared<TokenizeOptions>();
    auto* command = app.add_subcommand(
        "tokenize", "Encode each line of stdin (without its newline) into token ids");
    command->add_option("--tokenizer", options->tokenizer,
                        "A folder holding vocab.json + merges.txt, encoder.json + vocab.bpe, "
                        "tokenizer.json or tokenizer.model; or such a file")
        ->required();
    command->add_flag("--special", options->special,
                      "Turn special tokens spelled in the text (e.g. <|endoftext|>) into their ids");
    addCommonOptions(*command, options->common);
    command->callback([options, &action] { action = [options] { return runTokenize(*options); }; });
}

} // namespace cpo::cli
