#include "cli_common.h"
#include "hub_arguments.h"

#include "hub/hub_fetch.h"
#include "util/error.h"

#include <iostream>
#include <memory>

namespace cpo::cli {
namespace {

struct FetchOptions {
    CommonOptions common;
    std::string reference;
    std::string revision;
    std::vector<std::string> files;
    bool dataset = false;
};

int runFetch(const FetchOptions& options)
{
    applyCommonOptions(options.common);
    const auto type = options.dataset ? hub::RepoType::Dataset : hub::RepoType::Model;
    auto ref = hub::parseHubReference(options.reference, type);
    if (!options.revision.empty()) {
        if (options.reference.find('@') != std::string::npos && ref.revision != options.revision)
            throw Error("--revision " + options.revision + " contradicts the @" + ref.revision +
                        " of " + options.reference + "; give one of them");
        ref = hub::makeHubRef(ref.repoId, options.revision, type, "--revision");
    }
    if (options.dataset && options.files.empty())
        throw Error("--dataset needs --files naming what to fetch, e.g. --files '*.jsonl' (a "
                    "dataset repo can be large)");
    const auto settings = hub::settingsFromEnvironment();
    const auto progress = downloadProgressBars();
    const auto fetched = options.files.empty()
                             ? hub::fetchModel(settings, ref, progress)
                             : hub::fetchMatching(settings, ref, options.files, progress);
    if (options.common.json) {
        printJson({{"repo", ref.repoId},
                   {"type", hub::repoTypeName(ref.type)},
                   {"revision", ref.revision},
                   {"commit", fetched.pinned.revision},
                   {"dir", fetched.dir.string()},
                   {"files", fetched.files},
                   {"downloaded", fetched.downloads}});
        return 0;
    }
    std::cout << hub::toString(fetched.pinned) << " → " << fetched.dir.string() << '\n'
              << fetched.files.size() << " file(s), " << fetched.downloads
              << " downloaded, the rest from the cache\n";
    return 0;
}

} // namespace

void addFetchCommand(CLI::App& app, Action& action)
{
    auto options = std::make_shared<FetchOptions>();
    auto* command = app.add_subcommand(
        "fetch", "Download a model (or dataset files) from the Hugging Face Hub into the cache "
                 "that transformers and huggingface_hub share");
    command->add_option("reference", options->reference, "hub:ORG/NAME[@REVISION]")->required();
    command->add_option("--revision", options->revision, "Branch, tag or commit (default main)");
    command->add_option("--files", options->files,
                        "Only these files (a shell glob, e.g. '*.json'; repeat for more); "
                        "default: what a run reads (config, safetensors weights, tokenizer "
                        "files)")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    command->add_flag("--dataset", options->dataset, "The reference names a dataset repo");
    addCommonOptions(*command, options->common);
    command->callback([options, &action] { action = [options] { return runFetch(*options); }; });
}

} // namespace cpo::cli
