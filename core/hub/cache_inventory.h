#pragma once

#include "hub/hub_ref.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

// What the shared Hub cache holds, and freeing it: `cpo cache list|prune`.
namespace cpo::hub {

struct CachedRepo {
    RepoType type = RepoType::Model;
    std::string repoId;
    std::filesystem::path dir;
    std::int64_t bytes = 0;             // its blobs (partial downloads included)
    std::int64_t unreferencedBytes = 0; // blobs no snapshot links to
    std::vector<std::string> snapshots; // commits
    std::vector<std::string> refs;      // "main=<commit>"
};

// Every repo folder in the cache, by type then id.
std::vector<CachedRepo> scanCache(const std::filesystem::path& cacheDir);

struct PrunePlan {
    std::vector<std::filesystem::path> paths; // removed as a whole by applyPrune
    std::int64_t bytes = 0;
};

// Blobs that no snapshot links to (left by a newer revision or an interrupted tool).
PrunePlan planPruneUnreferenced(const std::filesystem::path& cacheDir);
// One repo's folder, all revisions (throws cpo::Error when the cache does not hold it).
PrunePlan planPruneRepo(const std::filesystem::path& cacheDir, const HubRef& ref);
void applyPrune(const PrunePlan& plan);

} // namespace cpo::hub
