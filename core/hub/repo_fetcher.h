#pragma once

#include "hub/hub_cache.h"
#include "hub/hub_ref.h"
#include "hub/hub_settings.h"
#include "hub/http_client.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

// Files of one Hub repository at one revision, fetched into the shared cache: each found in
// the cache when it is there, else downloaded (resumably), verified, and linked in.
namespace cpo::hub {

struct DownloadProgress {
    std::string file;
    std::int64_t done = 0;
    std::int64_t total = 0; // 0 when the server did not say
};
using ProgressCallback = std::function<void(const DownloadProgress&)>;

class RepoFetcher {
public:
    RepoFetcher(HubSettings settings, HubRef ref, ProgressCallback progress = {});

    // The file's path in the snapshot folder. A missing `optional` file gives nullopt; a
    // missing required one, or one the cache lacks while offline, throws cpo::Error naming it.
    std::optional<std::filesystem::path> fetch(const std::string& file, bool optional = false);

    // The repo's file names at the revision (the Hub's API; the snapshot's files offline).
    std::vector<std::string> listFiles();

    // The commit the revision resolved to (known after the first fetch or listFiles()).
    const std::string& commit() const { return m_commit; }
    std::filesystem::path snapshotDir() const;
    const HubRef& ref() const { return m_ref; }
    // GETs this fetcher made (0 when everything came from the cache).
    int downloads() const { return m_downloads; }

private:
    struct Metadata {
        std::string commit;
        std::string etag;
        std::int64_t size = -1;
        std::string location; // where the bytes are (the resolve URL, or its redirect)
    };

    std::string resolveUrl(const std::string& file) const;
    std::string revisionForRequests() const;
    std::optional<Metadata> headFile(const std::string& file, bool optional);
    std::optional<std::filesystem::path> fromCache(const std::string& file, bool optional);
    void goOffline(const std::string& reason);
    void download(const std::string& file, const Metadata& metadata);
    void downloadOnce(const std::string& file, const Metadata& metadata,
                      const std::filesystem::path& partial);
    void verify(const std::string& file, const Metadata& metadata,
                const std::filesystem::path& partial) const;
    std::string describe(const std::string& file) const;

    HubSettings m_settings;
    HubRef m_ref;
    ProgressCallback m_progress;
    HubCache m_cache;
    HttpClient m_http;
    std::string m_commit;
    std::string m_offlineReason; // non-empty: working from the cache only
    int m_downloads = 0;
};

} // namespace cpo::hub
