#include "hub/hub_cache.h"

#include "util/error.h"

#include <unistd.h>

#include <fstream>
#include <functional>
#include <thread>

namespace cpo::hub {
namespace fs = std::filesystem;

namespace {

// Writes `content` to `file` through a temporary and a rename, so a reader never sees half.
void writeAtomically(const fs::path& file, std::string_view content)
{
    fs::create_directories(file.parent_path());
    // A name of its own per writer: two threads or processes may record the same ref.
    const fs::path temporary = file.string() + ".tmp" + std::to_string(::getpid()) + "-" +
                               std::to_string(std::hash<std::thread::id>{}(
                                   std::this_thread::get_id()));
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << content;
        if (!out)
            throw Error("cannot write " + temporary.string());
    }
    fs::rename(temporary, file);
}

} // namespace

HubCache::HubCache(fs::path root) : m_root(std::move(root)) {}

fs::path HubCache::repoDir(const HubRef& ref) const { return m_root / repoFolderName(ref); }

fs::path HubCache::blobPath(const HubRef& ref, std::string_view etag) const
{
    return repoDir(ref) / "blobs" / etag;
}

fs::path HubCache::snapshotDir(const HubRef& ref, std::string_view commit) const
{
    return repoDir(ref) / "snapshots" / commit;
}

fs::path HubCache::lockPath(const HubRef& ref, std::string_view etag) const
{
    return m_root / ".locks" / repoFolderName(ref) / (std::string(etag) + ".lock");
}

fs::path HubCache::noExistPath(const HubRef& ref, std::string_view commit,
                               std::string_view file) const
{
    return repoDir(ref) / ".no_exist" / commit / file;
}

std::optional<std::string> HubCache::cachedCommit(const HubRef& ref) const
{
    if (isCommitHash(ref.revision))
        return ref.revision;
    std::ifstream in(repoDir(ref) / "refs" / ref.revision);
    std::string commit;
    if (!in || !std::getline(in, commit) || !isCommitHash(commit))
        return std::nullopt;
    return commit;
}

void HubCache::writeRef(const HubRef& ref, std::string_view commit) const
{
    if (isCommitHash(ref.revision) || cachedCommit(ref) == commit)
        return;
    writeAtomically(repoDir(ref) / "refs" / ref.revision, commit);
}

void HubCache::linkIntoSnapshot(const HubRef& ref, std::string_view commit,
                                std::string_view file, std::string_view etag) const
{
    const fs::path pointer = snapshotDir(ref, commit) / file;
    fs::create_directories(pointer.parent_path());
    // Relative, as huggingface_hub makes them, so the cache can move as a whole.
    fs::path target = "../..";
    for (const auto& folder : fs::path(file).parent_path())
        if (!folder.empty())
            target /= "..";
    target = target / "blobs" / etag;
    std::error_code error;
    if (fs::is_symlink(pointer) && fs::read_symlink(pointer, error) == target)
        return; // another fetcher linked it meanwhile
    fs::remove(pointer, error); // a stale or broken link is replaced
    fs::create_symlink(target, pointer, error);
    if (error && !(fs::is_symlink(pointer) && fs::read_symlink(pointer) == target))
        throw Error("cannot link " + pointer.string() + " to " + target.string() + ": " +
                    error.message());
}

void HubCache::markMissing(const HubRef& ref, std::string_view commit,
                           std::string_view file) const
{
    const fs::path marker = noExistPath(ref, commit, file);
    fs::create_directories(marker.parent_path());
    std::ofstream touch(marker, std::ios::app);
}

} // namespace cpo::hub
