#include "hub/hub_fetch.h"

#include "util/error.h"
#include "util/json_parse.h"
#include "util/log.h"

#include <nlohmann/json.hpp>

#include <fnmatch.h>

#include <algorithm>
#include <fstream>
#include <set>

namespace cpo::hub {
namespace {

// Every tokenizer format the loaders read; a repo has some of them.
constexpr const char* kTokenizerFiles[] = {"tokenizer.json",        "vocab.json",
                                           "merges.txt",            "tokenizer.model",
                                           "tokenizer_config.json", "special_tokens_map.json"};

FetchedRepo finish(const RepoFetcher& fetcher, std::vector<std::string> files)
{
    FetchedRepo out;
    out.pinned = fetcher.ref();
    out.pinned.revision = fetcher.commit();
    out.dir = fetcher.snapshotDir();
    out.files = std::move(files);
    out.downloads = fetcher.downloads();
    return out;
}

std::vector<std::string> fetchTokenizerFiles(RepoFetcher& fetcher)
{
    std::vector<std::string> found;
    for (const char* file : kTokenizerFiles)
        if (fetcher.fetch(file, /*optional=*/true))
            found.emplace_back(file);
    return found;
}

// The shard names of a sharded checkpoint's index, each once, in order.
std::vector<std::string> shardsOf(const std::filesystem::path& index)
{
    std::ifstream in(index);
    const auto json = parseJsonBounded(in, index.string(), {.allowExceptions = false});
    if (json.is_discarded() || !json.contains("weight_map") || !json["weight_map"].is_object())
        throw Error(index.string() + ": not a safetensors index (no \"weight_map\" object)");
    std::set<std::string> shards;
    for (const auto& [tensor, shard] : json["weight_map"].items())
        if (shard.is_string())
            shards.insert(shard.get<std::string>());
    return {shards.begin(), shards.end()};
}

} // namespace

FetchedRepo fetchModel(const HubSettings& settings, const HubRef& ref,
                       const ProgressCallback& progress)
{
    RepoFetcher fetcher(settings, ref, progress);
    std::vector<std::string> files{"config.json"};
    fetcher.fetch("config.json");
    if (fetcher.fetch("model.safetensors", /*optional=*/true)) {
        files.emplace_back("model.safetensors");
    } else if (const auto index = fetcher.fetch("model.safetensors.index.json", true)) {
        files.emplace_back("model.safetensors.index.json");
        for (const auto& shard : shardsOf(*index)) {
            fetcher.fetch(shard);
            files.push_back(shard);
        }
    } else {
        throw Error(toString(ref) + " has neither model.safetensors nor "
                                    "model.safetensors.index.json; the loader reads safetensors "
                                    "weights only (pick a revision that has them, e.g. the "
                                    "Hub's safetensors conversion under refs/pr/N)");
    }
    for (auto& file : fetchTokenizerFiles(fetcher))
        files.push_back(std::move(file));
    return finish(fetcher, std::move(files));
}

FetchedRepo fetchTokenizer(const HubSettings& settings, const HubRef& ref,
                           const ProgressCallback& progress)
{
    RepoFetcher fetcher(settings, ref, progress);
    auto files = fetchTokenizerFiles(fetcher);
    if (files.empty())
        throw Error(toString(ref) + " has no tokenizer files (tokenizer.json, vocab.json + "
                                    "merges.txt or tokenizer.model)");
    return finish(fetcher, std::move(files));
}

FetchedRepo fetchMatching(const HubSettings& settings, const HubRef& ref,
                          const std::vector<std::string>& patterns,
                          const ProgressCallback& progress)
{
    RepoFetcher fetcher(settings, ref, progress);
    std::vector<std::string> files;
    for (const auto& file : fetcher.listFiles()) {
        const bool wanted = std::any_of(patterns.begin(), patterns.end(), [&](const auto& p) {
            return ::fnmatch(p.c_str(), file.c_str(), 0) == 0;
        });
        if (wanted) {
            fetcher.fetch(file);
            files.push_back(file);
        }
    }
    if (files.empty()) {
        std::string wanted;
        for (const auto& pattern : patterns)
            wanted += (wanted.empty() ? "" : ", ") + pattern;
        throw Error(toString(ref) + ": no file matches " + wanted +
                    " (patterns are shell globs, e.g. '*.json', or exact names)");
    }
    return finish(fetcher, std::move(files));
}

std::pair<std::string, std::string> splitFileReference(std::string_view reference)
{
    // Neither a repo id nor a revision may hold ':', so the first one after "hub:" starts FILE.
    const auto colon = reference.find(':', kHubPrefix.size());
    if (colon == std::string_view::npos)
        return {std::string(reference), ""};
    return {std::string(reference.substr(0, colon)), std::string(reference.substr(colon + 1))};
}

ResolvedPath resolvePath(std::string_view pathOrReference, HubContent content,
                         const ProgressCallback& progress)
{
    if (!isHubReference(pathOrReference))
        return {std::filesystem::path(pathOrReference), std::nullopt};
    const auto settings = settingsFromEnvironment();
    if (content == HubContent::DatasetFile) {
        const auto [text, file] = splitFileReference(pathOrReference);
        if (file.empty())
            throw Error("'" + std::string(pathOrReference) +
                        "': name the dataset's file (\"file\": \"…\", or hub:ORG/NAME@REV:FILE)");
        RepoFetcher fetcher(settings, parseHubReference(text, RepoType::Dataset), progress);
        const auto path = fetcher.fetch(file);
        HubRef pinned = fetcher.ref();
        pinned.revision = fetcher.commit();
        return {*path, pinned};
    }
    const auto ref = parseHubReference(pathOrReference, RepoType::Model);
    const auto fetched = content == HubContent::Model ? fetchModel(settings, ref, progress)
                                                      : fetchTokenizer(settings, ref, progress);
    log::get("hub")->info("{} → {} ({} file(s) downloaded)", toString(ref),
                          fetched.dir.string(), fetched.downloads);
    return {fetched.dir, fetched.pinned};
}

} // namespace cpo::hub
