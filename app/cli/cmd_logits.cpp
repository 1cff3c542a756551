#include "cli_common.h"
#include "hub_arguments.h"
#include "number_checks.h"

#include "model/device.h"
#include "model/hf_folder.h"
#include "util/error.h"

#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

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

void printTopLogits(const torch::Tensor& logits, int top)
{
    const auto k = std::min<std::int64_t>(top, logits.size(1));
    const auto [values, indices] = logits.topk(k, -1);
    for (std::int64_t pos = 0; pos < logits.size(0); ++pos) {
        std::cout << "position " << pos << ':';
        for (std::int64_t j = 0; j < k; ++j)
            std::cout << "  " << indices[pos][j].item<std::int64_t>() << '=' << std::fixed
                      << std::setprecision(4) << values[pos][j].item<float>();
        std::cout << '\n';
    }
}

int runLogits(const LogitsOptions& options)
{
    applyCommonOptions(options.common);
    const auto ids = parseTokenList(options.tokens);
    const auto device = model::parseDevice(options.device);
    auto lm = model::loadHfModel(modelFolder(options.model), device);
    for (const auto id : ids)
        if (id >= lm->config().vocabSize)
            throw Error("--tokens: id " + std::to_string(id) + " is outside the vocabulary of " +
                        std::to_string(lm->config().vocabSize));
    torch::NoGradGuard noGrad;
    lm->eval();
    const auto input = torch::tensor(ids, torch::kInt64).unsqueeze(0).to(device);
    const auto logits = lm->forward(input).logits.squeeze(0).to(torch::kCPU, torch::kFloat32);
    if (!options.common.json) {
        printTopLogits(logits, options.top);
        return 0;
    }
    nlohmann::json rows = nlohmann::json::array();
    for (std::int64_t pos = 0; pos < logits.size(0); ++pos) {
        const auto row = logits[pos].contiguous();
        rows.push_back(std::vector<float>(row.data_ptr<float>(),
                                          row.data_ptr<float>() + row.numel()));
    }
    printJson({{"logits", rows}});
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
    command->add_option("--device", options->device, "cpu, cuda, cuda:N or auto")
        ->capture_default_str();
    command->add_option("--top", options->top, "Without --json: logits shown per position")
        ->capture_default_str()
        ->check(positiveNumber());
    addCommonOptions(*command, options->common);
    command->callback([options, &action] { action = [options] { return runLogits(*options); }; });
}

} // namespace cpo::cli
