#pragma once

#include "hub/hub_ref.h"
#include "hub/hub_settings.h"
#include "hub/repo_fetcher.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// What a run fetches from the Hub: only the files it reads.
namespace cpo::hub {

struct FetchedRepo {
    HubRef pinned; // the reference with its revision replaced by the commit it resolved to
    std::filesystem::path dir; // the snapshot folder (links into the shared cache)
    std::vector<std::string> files;
    int downloads = 0; // files that had to be downloaded (0: all from the cache)
};

// config.json, the weights (model.safetensors, or model.safetensors.index.json and the shards
// it names) and whichever tokenizer files the repo has.
FetchedRepo fetchModel(const HubSettings& settings, const HubRef& ref,
                       const ProgressCallback& progress = {});
// Only the tokenizer files the repo has (at least one).
FetchedRepo fetchTokenizer(const HubSettings& settings, const HubRef& ref,
                           const ProgressCallback& progress = {});
// The repo's files matching any of the glob `patterns` (e.g. "*.json", "data/train-*").
FetchedRepo fetchMatching(const HubSettings& settings, const HubRef& ref,
                          const std::vector<std::string>& patterns,
                          const ProgressCallback& progress = {});

// What a hub reference stands for where a path is taken.
enum class HubContent { Model, Tokenizer, DatasetFile };

struct ResolvedPath {
    std::filesystem::path path;
    std::optional<HubRef> pinned; // set for a hub reference: the commit its files came from
};

// The one resolver every path-taking place calls. A plain path is returned unchanged. A hub
// reference — "hub:ORG/NAME[@REV]" for a model or tokenizer (its snapshot folder),
// "hub:ORG/NAME[@REV]:FILE" for a dataset file — is fetched into the cache (settings from the
// environment) and its local path returned.
ResolvedPath resolvePath(std::string_view pathOrReference, HubContent content,
                         const ProgressCallback& progress = {});

// "hub:ORG/NAME@REV" and "FILE" of "hub:ORG/NAME@REV:FILE" (the file is "" when absent).
std::pair<std::string, std::string> splitFileReference(std::string_view reference);

} // namespace cpo::hub
