#include "cli_common.h"
#include "hub_arguments.h"

#include "hub/cache_inventory.h"
#include "hub/hub_settings.h"

#include <iostream>
#include <memory>

namespace cpo::cli {
namespace {

struct CacheOptions {
    CommonOptions common;
    std::string reference; // prune: a repo to remove, else unreferenced blobs
    bool dataset = false;
    bool yes = false;
};

int runCacheList(const CacheOptions& options)
{
    applyCommonOptions(options.common);
    const auto cacheDir = hub::settingsFromEnvironment().cacheDir;
    const auto repos = hub::scanCache(cacheDir);
    if (options.common.json) {
        nlohmann::json rows = nlohmann::json::array();
        for (const auto& repo : repos)
            rows.push_back({{"type", hub::repoTypeName(repo.type)},
                            {"repo", repo.repoId},
                            {"bytes", repo.bytes},
                            {"unreferenced_bytes", repo.unreferencedBytes},
                            {"snapshots", repo.snapshots},
                            {"refs", repo.refs},
                            {"dir", repo.dir.string()}});
        printJson({{"cache", cacheDir.string()}, {"repos", rows}});
        return 0;
    }
    std::cout << "Hub cache: " << cacheDir.string() << '\n';
    std::int64_t total = 0;
    for (const auto& repo : repos) {
        total += repo.bytes;
        std::cout << "  " << hub::repoTypeName(repo.type) << "  " << repo.repoId << "  "
                  << formatBytes(repo.bytes) << "  " << repo.snapshots.size() << " snapshot(s)";
        for (const auto& ref : repo.refs)
            std::cout << "  " << ref.substr(0, ref.find('=') + 13);
        if (repo.unreferencedBytes > 0)
            std::cout << "  (" << formatBytes(repo.unreferencedBytes) << " unreferenced)";
        std::cout << '\n';
    }
    std::cout << repos.size() << " repo(s), " << formatBytes(total) << '\n';
    return 0;
}

int runCachePrune(const CacheOptions& options)
{
    applyCommonOptions(options.common);
    const auto cacheDir = hub::settingsFromEnvironment().cacheDir;
    const auto type = options.dataset ? hub::RepoType::Dataset : hub::RepoType::Model;
    const auto plan = options.reference.empty()
                          ? hub::planPruneUnreferenced(cacheDir)
                          : hub::planPruneRepo(cacheDir,
                                               hub::parseHubReference(options.reference, type));
    if (options.yes)
        hub::applyPrune(plan);
    if (options.common.json) {
        nlohmann::json paths = nlohmann::json::array();
        for (const auto& path : plan.paths)
            paths.push_back(path.string());
        printJson({{"removed", options.yes}, {"paths", paths}, {"bytes", plan.bytes}});
        return 0;
    }
    for (const auto& path : plan.paths)
        std::cout << (options.yes ? "removed " : "would remove ") << path.string() << '\n';
    std::cout << (options.yes ? "freed " : "would free ") << formatBytes(plan.bytes)
              << (options.yes || plan.paths.empty() ? "" : "; run again with --yes to remove")
              << '\n';
    return 0;
}

} // namespace

void addCacheCommand(CLI::App& app, Action& action)
{
    auto* cache = app.add_subcommand(
        "cache", "See and free the Hugging Face Hub cache (shared with transformers)");
    cache->require_subcommand(1);

    auto listOptions = std::make_shared<CacheOptions>();
    auto* list = cache->add_subcommand("list", "Each cached repo with its size and revisions");
    addCommonOptions(*list, listOptions->common);
    list->callback([listOptions, &action] {
        action = [listOptions] { return runCacheList(*listOptions); };
    });

    auto pruneOptions = std::make_shared<CacheOptions>();
    auto* prune = cache->add_subcommand(
        "prune", "Remove blobs no snapshot uses, or one repo given as hub:ORG/NAME; shows what "
                 "it would remove unless given --yes");
    prune->add_option("reference", pruneOptions->reference, "hub:ORG/NAME to remove entirely");
    prune->add_flag("--dataset", pruneOptions->dataset, "The reference names a dataset repo");
    prune->add_flag("--yes", pruneOptions->yes, "Remove them (without it: a dry run)");
    addCommonOptions(*prune, pruneOptions->common);
    prune->callback([pruneOptions, &action] {
        action = [pruneOptions] { return runCachePrune(*pruneOptions); };
    });
}

} // namespace cpo::cli
