#pragma once

#include "hub/hub_ref.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

// The Hub's cache layout, exactly as huggingface_hub writes it, so files are shared both ways:
//   <root>/models--ORG--NAME/blobs/<etag>             the bytes, named by sha256 or git sha1
//   <root>/models--ORG--NAME/snapshots/<commit>/<file>  relative links into blobs/
//   <root>/models--ORG--NAME/refs/<revision>          the commit a branch or tag pointed at
//   <root>/models--ORG--NAME/.no_exist/<commit>/<file> the repo has no such file
//   <root>/.locks/models--ORG--NAME/<etag>.lock       held while a blob downloads
namespace cpo::hub {

class HubCache {
public:
    explicit HubCache(std::filesystem::path root);

    const std::filesystem::path& root() const { return m_root; }
    std::filesystem::path repoDir(const HubRef& ref) const;
    std::filesystem::path blobPath(const HubRef& ref, std::string_view etag) const;
    std::filesystem::path snapshotDir(const HubRef& ref, std::string_view commit) const;
    std::filesystem::path lockPath(const HubRef& ref, std::string_view etag) const;
    std::filesystem::path noExistPath(const HubRef& ref, std::string_view commit,
                                      std::string_view file) const;

    // The commit ref.revision names in the cache: the revision itself when it is a commit
    // hash, else the content of refs/<revision>; nullopt when the cache has neither.
    std::optional<std::string> cachedCommit(const HubRef& ref) const;
    // Records that ref.revision points at `commit` (nothing for a commit-hash revision).
    void writeRef(const HubRef& ref, std::string_view commit) const;
    // snapshots/<commit>/<file> → ../../blobs/<etag> (one more ../ per folder in `file`).
    void linkIntoSnapshot(const HubRef& ref, std::string_view commit, std::string_view file,
                          std::string_view etag) const;
    // Notes that the repo has no `file` at `commit`, as huggingface_hub does.
    void markMissing(const HubRef& ref, std::string_view commit, std::string_view file) const;

private:
    std::filesystem::path m_root;
};

} // namespace cpo::hub
