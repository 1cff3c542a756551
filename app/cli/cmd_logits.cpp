#include "cli_common.h"
#include "device_option.h"
#include "hub_arguments.h"
#include "number_checks.h"

#include "engine/model_logits.h"
#include "util/error.h"

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <memory>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

namespace cpo::cli {
namespace {

struct LogitsOptions {
    CommonOptions common;
    std::string model;
    std::string tokens;
    std::string device = "cpu";
    int top = 5;
};

std::vector<std::int64_t> parseTokenList(const std::string& text)
{
    std::vector<std::int64_t> ids;
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, ',')) {
        std::size_t used = 0;
        std::int64_t id = -1;
        try {
            id = std::stoll(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != item.size() || id < 0)
            throw Error("--tokens: '" + item + "' is not a token id (expected e.g. 5,17,3)");
        ids.push_back(id);
    }
    if (ids.empty())
        throw Error("--tokens: give at least one token id, e.g. --tokens 5,17,3");
    return ids;
}

// The `top` largest logits of each position, largest first.
void printTopLogits(const std::vector<std::vector<float>>& logits, int top)
{
    for (std::size_t pos = 0; pos < logits.size(); ++pos) {
        const auto& row = logits[pos];
        std::vector<std::size_t> order(row.size());
        std::iota(order.begin(), order.end(), std::size_t{0});
        const auto k = std::min(order.size(), static_cast<std::size_t>(top));
        std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k),
                          order.end(), [&](std::size_t a, std::size_t b) {
                              return row[a] > row[b] || (row[a] == row[b] && a < b);
                          });
        std::cout << "position " << pos << ':';
        for (std::size_t j = 0; j < k; ++j)
            std::cout << "  " << order[j] << '=' << std::fixed << std::setprecision(4)
                      << row[order[j]];
        std::cout << '\n';
    }
}

int runLogits(const LogitsOptions& options)
{
    applyCommonOptions(options.common);
    requireDevice(options.device);
    const auto ids = parseTokenList(options.tokens);
    std::vector<std::vector<float>> logits;
    try {
        logits = engine::nextTokenLogits(modelFolder(options.model), options.device, ids);
    } catch (const engine::TokenIdError& e) {
        throw Error(std::string("--tokens: ") + e.what());
    }
    if (options.common.json)
        printJson({{"logits", logits}});
    else
        printTopLogits(logits, options.top);
    return 0;
}

} // namespace

void addLogitsCommand(CLI::App& app, Action& action)
{
    auto options = std::make_shared<LogitsOptions>();
    auto* command = app.add_subcommand(
        "logits", "Print a model's next-token logits at every position of a token sequence");
    command->add_option("--model", options->model,
                        "Hugging Face model folder, or hub:ORG/NAME[@REVISION]")
        ->required();
    command->add_option("--tokens", options->tokens, "Comma-separated token ids, e.g. 5,17,3")
        ->required();
    addDeviceOption(*command, options->device, "cpu");
    command->add_option("--top", options->top, "Without --json: logits shown per position")
        ->capture_default_str()
        ->check(positiveNumber());
    addCommonOptions(*command, options->common);
    command->callback([options, &action] { action = [options] { return runLogits(*options); }; });
}

} // namespace cpo::cli
