#include "hub/cache_inventory.h"

#include "util/error.h"

#include <algorithm>
#include <fstream>
#include <set>

namespace cpo::hub {
namespace fs = std::filesystem;

namespace {

// "models--ORG--NAME" → (Model, "ORG/NAME"); false for anything else in the cache folder.
bool parseRepoFolder(const std::string& name, RepoType& type, std::string& repoId)
{
    std::string_view rest = name;
    if (rest.starts_with("models--")) {
        type = RepoType::Model;
        rest.remove_prefix(8);
    } else if (rest.starts_with("datasets--")) {
        type = RepoType::Dataset;
        rest.remove_prefix(10);
    } else {
        return false;
    }
    const auto dashes = rest.find("--");
    repoId.assign(rest.substr(0, dashes));
    if (dashes != std::string_view::npos)
        repoId.append("/").append(rest.substr(dashes + 2));
    return !repoId.empty();
}

// The blob names the repo's snapshots link to.
std::set<std::string> referencedBlobs(const fs::path& repoDir)
{
    std::set<std::string> names;
    const fs::path snapshots = repoDir / "snapshots";
    if (!fs::exists(snapshots))
        return names;
    for (const auto& entry : fs::recursive_directory_iterator(snapshots))
        if (entry.is_symlink())
            names.insert(fs::read_symlink(entry.path()).filename().string());
    return names;
}

std::vector<fs::directory_entry> blobsOf(const fs::path& repoDir)
{
    std::vector<fs::directory_entry> blobs;
    if (fs::exists(repoDir / "blobs"))
        for (const auto& entry : fs::directory_iterator(repoDir / "blobs"))
            if (entry.is_regular_file())
                blobs.push_back(entry);
    return blobs;
}

std::vector<fs::path> repoDirs(const fs::path& cacheDir)
{
    std::vector<fs::path> dirs;
    if (!fs::exists(cacheDir))
        return dirs;
    for (const auto& entry : fs::directory_iterator(cacheDir)) {
        RepoType type;
        std::string id;
        if (entry.is_directory() && parseRepoFolder(entry.path().filename().string(), type, id))
            dirs.push_back(entry.path());
    }
    std::sort(dirs.begin(), dirs.end());
    return dirs;
}

std::vector<std::string> sortedNames(const fs::path& dir)
{
    std::vector<std::string> names;
    if (fs::exists(dir))
        for (const auto& entry : fs::directory_iterator(dir))
            names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

} // namespace

std::vector<CachedRepo> scanCache(const fs::path& cacheDir)
{
    std::vector<CachedRepo> repos;
    for (const auto& dir : repoDirs(cacheDir)) {
        CachedRepo repo;
        parseRepoFolder(dir.filename().string(), repo.type, repo.repoId);
        repo.dir = dir;
        const auto referenced = referencedBlobs(dir);
        for (const auto& blob : blobsOf(dir)) {
            const auto size = static_cast<std::int64_t>(blob.file_size());
            repo.bytes += size;
            if (!referenced.contains(blob.path().filename().string()))
                repo.unreferencedBytes += size;
        }
        repo.snapshots = sortedNames(dir / "snapshots");
        if (fs::exists(dir / "refs"))
            for (const auto& entry : fs::recursive_directory_iterator(dir / "refs"))
                if (entry.is_regular_file()) {
                    std::ifstream in(entry.path());
                    std::string commit;
                    std::getline(in, commit);
                    repo.refs.push_back(fs::relative(entry.path(), dir / "refs").generic_string() +
                                        "=" + commit);
                }
        std::sort(repo.refs.begin(), repo.refs.end());
        repos.push_back(std::move(repo));
    }
    return repos;
}

PrunePlan planPruneUnreferenced(const fs::path& cacheDir)
{
    PrunePlan plan;
    for (const auto& dir : repoDirs(cacheDir)) {
        const auto referenced = referencedBlobs(dir);
        for (const auto& blob : blobsOf(dir)) {
            const auto name = blob.path().filename().string();
            // A partial download may be in progress; only finished blobs are pruned.
            if (referenced.contains(name) || name.ends_with(".incomplete"))
                continue;
            plan.paths.push_back(blob.path());
            plan.bytes += static_cast<std::int64_t>(blob.file_size());
        }
    }
    return plan;
}

PrunePlan planPruneRepo(const fs::path& cacheDir, const HubRef& ref)
{
    const fs::path dir = cacheDir / repoFolderName(ref);
    if (!fs::is_directory(dir))
        throw Error(std::string(repoTypeName(ref.type)) + " " + ref.repoId +
                    " is not in the cache (" + cacheDir.string() + "); see `cpo cache list`");
    PrunePlan plan;
    plan.paths.push_back(dir);
    for (const auto& blob : blobsOf(dir))
        plan.bytes += static_cast<std::int64_t>(blob.file_size());
    return plan;
}

void applyPrune(const PrunePlan& plan)
{
    for (const auto& path : plan.paths)
        fs::remove_all(path);
}

} // namespace cpo::hub
