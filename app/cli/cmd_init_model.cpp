#include "cli_common.h"

#include "model/causal_lm.h"
#include "model/hf_folder.h"
#include "model/model_config.h"
#include "util/error.h"
#include "util/json_parse.h"
#include "util/log.h"

#include <fstream>
#include <memory>

namespace cpo::cli {
namespace {

struct InitModelOptions {
    CommonOptions common;
    std::string arch;
    std::string configFile;
    std::uint64_t seed = 0;
    std::string out;
};

nlohmann::json readJsonFile(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
        throw Error(path + ": cannot open the model config file");
    try {
        return parseJsonBounded(in, path);
    } catch (const nlohmann::json::parse_error& e) {
        throw Error(path + ": not valid JSON: " + e.what());
    }
}

int runInitModel(const InitModelOptions& options)
{
    applyCommonOptions(options.common);
    auto json = readJsonFile(options.configFile);
    if (!json.is_object())
        throw Error(options.configFile + ": expected a JSON object of config.json fields");
    if (json.contains("model_type") && json["model_type"] != options.arch)
        throw Error(options.configFile + ": model_type " + json["model_type"].dump() +
                    " contradicts --arch " + options.arch);
    json["model_type"] = options.arch;
    model::ModelConfig config;
    try {
        config = model::configFromJson(json);
    } catch (const Error& e) {
        throw Error(options.configFile + ": " + e.what());
    }
    torch::manual_seed(options.seed);
    const auto lm = model::createModel(config);
    model::saveHfModel(*lm, options.out);
    const auto params = model::countParameters(*lm);
    if (options.common.json) {
        printJson({{"out", options.out}, {"arch", options.arch}, {"params", params},
                   {"seed", options.seed}});
    } else {
        log::get("cpo")->info("wrote a random {} model ({} parameters, seed {}) to {}",
                              options.arch, params, options.seed, options.out);
    }
    return 0;
}

} // namespace

void addInitModelCommand(CLI::App& app, Action& action)
{
    auto options = std::make_shared<InitModelOptions>();
    auto* command = app.add_subcommand(
        "init-model", "Write a randomly initialised model as a Hugging Face folder");
    command->add_option("--arch", options->arch, "Architecture")
        ->required()
        ->check(CLI::IsMember({"gpt2", "llama"}));
    command->add_option("--config", options->configFile,
                        "JSON file with config.json fields (e.g. n_embd, n_layer, n_head for "
                        "gpt2; hidden_size, num_hidden_layers, ... for llama); missing "
                        "fields take HF's defaults")
        ->required();
    command->add_option("--seed", options->seed, "Seed of the initialisation")->capture_default_str();
    command->add_option("--out", options->out, "Folder to write config.json and "
                                               "model.safetensors to")
        ->required();
    addCommonOptions(*command, options->common);
    command->callback([options, &action] { action = [options] { return runInitModel(*options); }; });
}

} // namespace cpo::cli
