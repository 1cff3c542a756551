#include "hub/repo_fetcher.h"

#include "hub/file_digest.h"
#include "hub/file_lock.h"
#include "util/error.h"
#include "util/json_parse.h"
#include "util/log.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace cpo::hub {
namespace fs = std::filesystem;

namespace {

constexpr int kMaxAttempts = 5;       // a dropped transfer is resumed this many times
constexpr int kMaxRelativeRedirects = 5; // a renamed repo redirects within the Hub
constexpr auto kRetryPause = std::chrono::milliseconds(500);

// A transfer that stopped before its end; the next attempt resumes it.
class TransferInterrupted : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

bool isHex(std::string_view text)
{
    return std::all_of(text.begin(), text.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
    });
}

// ETags arrive quoted and maybe weak (W/"..."); the cache names blobs by the bare value.
std::string normalisedEtag(std::string etag)
{
    if (etag.starts_with("W/"))
        etag.erase(0, 2);
    etag.erase(std::remove(etag.begin(), etag.end(), '"'), etag.end());
    return etag;
}

// An ETag becomes a file name: only characters that cannot escape the blobs folder.
bool isSafeEtag(std::string_view etag)
{
    return !etag.empty() && etag != "." && etag != ".." &&
           std::all_of(etag.begin(), etag.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                      c == '.';
           });
}

void checkFileName(const std::string& file)
{
    const fs::path path(file);
    const bool escapes = std::any_of(path.begin(), path.end(),
                                     [](const fs::path& part) { return part == ".."; });
    if (file.empty() || path.is_absolute() || escapes || file.find('\\') != std::string::npos)
        throw Error("'" + file + "' is not a file name inside a repository");
}

std::int64_t parseSize(const std::string& text)
{
    try {
        return text.empty() ? -1 : std::stoll(text);
    } catch (const std::exception&) {
        return -1;
    }
}

// "https://host:port" of a URL, for the Hub's relative redirects.
std::string originOf(const std::string& url)
{
    const auto scheme = url.find("://");
    const auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    return url.substr(0, path);
}

} // namespace

RepoFetcher::RepoFetcher(HubSettings settings, HubRef ref, ProgressCallback progress)
    : m_settings(std::move(settings)),
      m_ref(std::move(ref)),
      m_progress(std::move(progress)),
      m_cache(m_settings.cacheDir),
      m_http(m_settings.token)
{
    if (isCommitHash(m_ref.revision))
        m_commit = m_ref.revision; // pinned: files already in its snapshot need no request
    if (m_settings.offline)
        goOffline("HF_HUB_OFFLINE is set");
}

fs::path RepoFetcher::snapshotDir() const { return m_cache.snapshotDir(m_ref, m_commit); }

std::string RepoFetcher::describe(const std::string& file) const
{
    return "'" + file + "' of " + toString(m_ref) +
           (m_ref.type == RepoType::Dataset ? " (dataset)" : "");
}

std::string RepoFetcher::revisionForRequests() const
{
    return m_commit.empty() ? m_ref.revision : m_commit;
}

std::string RepoFetcher::resolveUrl(const std::string& file) const
{
    return m_settings.endpoint + (m_ref.type == RepoType::Dataset ? "/datasets/" : "/") +
           m_ref.repoId + "/resolve/" + urlEncode(revisionForRequests(), false) + "/" +
           urlEncode(file, true);
}

void RepoFetcher::goOffline(const std::string& reason)
{
    if (!m_offlineReason.empty())
        return;
    m_offlineReason = reason;
    log::get("hub")->warn("{}: {}; using the cache only ({})", toString(m_ref), reason,
                          m_settings.cacheDir.string());
}

std::optional<fs::path> RepoFetcher::fetch(const std::string& file, bool optional)
{
    checkFileName(file);
    if (!m_commit.empty()) {
        const fs::path pointer = m_cache.snapshotDir(m_ref, m_commit) / file;
        if (fs::exists(pointer))
            return pointer;
        if (optional && fs::exists(m_cache.noExistPath(m_ref, m_commit, file)))
            return std::nullopt;
    }
    if (!m_offlineReason.empty())
        return fromCache(file, optional);
    const auto metadata = headFile(file, optional);
    if (!m_offlineReason.empty())
        return fromCache(file, optional);
    if (!metadata)
        return std::nullopt;
    m_commit = metadata->commit;
    m_cache.writeRef(m_ref, m_commit);
    const fs::path pointer = m_cache.snapshotDir(m_ref, m_commit) / file;
    if (fs::exists(pointer))
        return pointer;
    if (!fs::exists(m_cache.blobPath(m_ref, metadata->etag)))
        download(file, *metadata);
    m_cache.linkIntoSnapshot(m_ref, m_commit, file, metadata->etag);
    return pointer;
}

std::optional<RepoFetcher::Metadata> RepoFetcher::headFile(const std::string& file,
                                                           bool optional)
{
    std::string url = resolveUrl(file);
    for (int redirect = 0; redirect <= kMaxRelativeRedirects; ++redirect) {
        const auto response = m_http.head(url);
        if (!response.transportError.empty()) {
            goOffline("cannot reach " + m_settings.endpoint + " (" + response.transportError +
                      ")");
            return std::nullopt;
        }
        const std::string location = response.header("location");
        if (response.status >= 300 && response.status < 400 && location.starts_with('/')) {
            url = originOf(url) + location; // a renamed repo: follow within the Hub
            continue;
        }
        if (response.status >= 500) {
            goOffline(m_settings.endpoint + " answered HTTP " + std::to_string(response.status));
            return std::nullopt;
        }
        const std::string commit = response.header("x-repo-commit");
        const std::string code = response.header("x-error-code");
        if (response.status == 404 && isCommitHash(commit) && code != "RevisionNotFound") {
            if (!optional)
                throw Error(describe(file) + ": the repository has no such file (HTTP 404)");
            m_commit = commit;
            m_cache.writeRef(m_ref, commit);
            m_cache.markMissing(m_ref, commit, file);
            return std::nullopt;
        }
        if (response.status == 401 || response.status == 403)
            throw Error(describe(file) + ": access denied (HTTP " +
                        std::to_string(response.status) + (code.empty() ? "" : ", " + code) +
                        "): " +
                        (m_settings.token ? "the token in use has no access (a gated repo "
                                            "needs its terms accepted on the Hub)"
                                          : "the repo does not exist, or it is gated or "
                                            "private: set HF_TOKEN or log in with "
                                            "`huggingface-cli login`"));
        if (response.status == 404)
            throw Error(describe(file) + ": not found on " + m_settings.endpoint +
                        (code.empty() ? "" : " (" + code + ")") +
                        ": check the repository name and revision");
        if (response.status >= 400 || response.status < 200)
            throw Error(describe(file) + ": " + m_settings.endpoint + " answered HTTP " +
                        std::to_string(response.status));
        Metadata metadata;
        metadata.commit = commit;
        metadata.etag = normalisedEtag(response.header("x-linked-etag"));
        if (metadata.etag.empty())
            metadata.etag = normalisedEtag(response.header("etag"));
        metadata.size = parseSize(response.header("x-linked-size"));
        if (metadata.size < 0)
            metadata.size = parseSize(response.header("content-length"));
        metadata.location = response.status >= 300 ? location : url;
        if (!isCommitHash(metadata.commit) || !isSafeEtag(metadata.etag) ||
            metadata.location.empty())
            throw Error(describe(file) + ": " + m_settings.endpoint +
                        " sent no usable X-Repo-Commit / ETag / Location headers; is HF_ENDPOINT "
                        "a Hugging Face Hub endpoint?");
        return metadata;
    }
    throw Error(describe(file) + ": too many redirects from " + m_settings.endpoint);
}

std::optional<fs::path> RepoFetcher::fromCache(const std::string& file, bool optional)
{
    const auto commit = m_commit.empty() ? m_cache.cachedCommit(m_ref) : m_commit;
    const std::string hint = "; fetch it once online with `cpo fetch " + toString(m_ref) +
                             (m_ref.type == RepoType::Dataset ? " --dataset" : "") + "`";
    if (!commit)
        throw Error(describe(file) + " is not in the cache (" + m_settings.cacheDir.string() +
                    " has no snapshot of revision " + m_ref.revision + ") and " +
                    m_offlineReason + hint);
    m_commit = *commit;
    const fs::path pointer = m_cache.snapshotDir(m_ref, m_commit) / file;
    if (fs::exists(pointer))
        return pointer;
    if (optional)
        return std::nullopt;
    throw Error(describe(file) + " is not in the cache (" + pointer.string() + ") and " +
                m_offlineReason + hint);
}

void RepoFetcher::download(const std::string& file, const Metadata& metadata)
{
    const FileLock lock(m_cache.lockPath(m_ref, metadata.etag));
    const fs::path blob = m_cache.blobPath(m_ref, metadata.etag);
    if (fs::exists(blob))
        return; // another process finished it while we waited for the lock
    fs::create_directories(blob.parent_path());
    const fs::path partial = blob.string() + ".incomplete";
    for (int attempt = 1;; ++attempt) {
        try {
            downloadOnce(file, metadata, partial);
            break;
        } catch (const TransferInterrupted& interrupted) {
            if (attempt == kMaxAttempts)
                throw Error(describe(file) + ": download failed after " +
                            std::to_string(attempt) + " attempts (" + interrupted.what() +
                            "); run again to resume from " + partial.string());
            log::get("hub")->warn("{}: {}; resuming (attempt {} of {})", describe(file),
                                  interrupted.what(), attempt + 1, kMaxAttempts);
            std::this_thread::sleep_for(kRetryPause);
        }
    }
    verify(file, metadata, partial);
    fs::rename(partial, blob);
}

void RepoFetcher::downloadOnce(const std::string& file, const Metadata& metadata,
                               const fs::path& partial)
{
    std::int64_t from = fs::exists(partial) ? static_cast<std::int64_t>(fs::file_size(partial))
                                            : 0;
    if (metadata.size >= 0 && from == metadata.size)
        return; // complete already; verified next
    if (metadata.size >= 0 && from > metadata.size) {
        fs::remove(partial);
        from = 0;
    }
    std::ofstream out(partial, std::ios::binary | (from > 0 ? std::ios::app : std::ios::trunc));
    if (!out)
        throw Error("cannot write " + partial.string());
    std::int64_t offset = from;
    BodyReceiver body;
    body.start = [&](long status) {
        if (status == 200 && offset > 0) { // the server ignored the range: start over
            out.close();
            out.open(partial, std::ios::binary | std::ios::trunc);
            offset = 0;
        }
        return static_cast<bool>(out);
    };
    body.data = [&](const char* data, std::size_t size) {
        out.write(data, static_cast<std::streamsize>(size));
        return static_cast<bool>(out);
    };
    body.progress = [&](std::int64_t received) {
        if (m_progress)
            m_progress({file, offset + received, std::max<std::int64_t>(metadata.size, 0)});
    };
    ++m_downloads;
    const auto response = m_http.get(metadata.location, from, body);
    out.close();
    if (response.status == 416) { // the partial file does not fit the blob: start over
        fs::remove(partial);
        throw TransferInterrupted("the server refused the range; starting over");
    }
    if (!response.transportError.empty())
        throw TransferInterrupted(response.transportError);
    if (response.status >= 400)
        throw Error(describe(file) + ": download failed (HTTP " +
                    std::to_string(response.status) + ")");
}

void RepoFetcher::verify(const std::string& file, const Metadata& metadata,
                         const fs::path& partial) const
{
    const auto size = static_cast<std::int64_t>(fs::file_size(partial));
    const auto refuse = [&](const std::string& what) {
        fs::remove(partial);
        throw Error(describe(file) + ": " + what +
                    "; the download was refused and removed (run again to retry)");
    };
    if (metadata.size >= 0 && size != metadata.size)
        refuse("received " + std::to_string(size) + " bytes where the Hub announced " +
               std::to_string(metadata.size));
    if (metadata.etag.size() == 64 && isHex(metadata.etag)) {
        const auto actual = sha256Hex(partial);
        if (actual != metadata.etag)
            refuse("its sha256 is " + actual + " but the Hub's is " + metadata.etag);
    } else if (metadata.etag.size() == 40 && isHex(metadata.etag)) {
        const auto actual = gitBlobSha1Hex(partial);
        if (actual != metadata.etag)
            refuse("its git blob id is " + actual + " but the Hub's ETag is " + metadata.etag);
    } else {
        log::get("hub")->warn("{}: the ETag '{}' is neither a sha256 nor a git id; the file "
                              "is stored without a digest check",
                              describe(file), metadata.etag);
    }
}

std::vector<std::string> RepoFetcher::listFiles()
{
    if (m_offlineReason.empty()) {
        const std::string url = m_settings.endpoint + "/api/" +
                                std::string(repoTypeName(m_ref.type)) + "s/" + m_ref.repoId +
                                "/revision/" + urlEncode(revisionForRequests(), false);
        std::string text;
        const auto response = m_http.getText(url, text);
        if (!response.transportError.empty() || response.status >= 500) {
            goOffline("cannot reach " + m_settings.endpoint + " (" +
                      (response.transportError.empty() ? "HTTP " + std::to_string(response.status)
                                                       : response.transportError) +
                      ")");
        } else if (response.status != 200) {
            throw Error(toString(m_ref) + ": cannot list its files (HTTP " +
                        std::to_string(response.status) +
                        "): check the name and revision; a gated or private repo needs HF_TOKEN");
        } else {
            const auto info = parseJsonBounded(text, url, {.allowExceptions = false});
            if (info.is_discarded() || !info.contains("siblings") ||
                !isCommitHash(info.value("sha", std::string())))
                throw Error(toString(m_ref) + ": " + url + " is not a Hub API answer");
            m_commit = info["sha"].get<std::string>();
            m_cache.writeRef(m_ref, m_commit);
            std::vector<std::string> files;
            for (const auto& sibling : info["siblings"])
                files.push_back(sibling.value("rfilename", std::string()));
            return files;
        }
    }
    const auto commit = m_commit.empty() ? m_cache.cachedCommit(m_ref) : m_commit;
    if (!commit)
        throw Error(toString(m_ref) + " has no snapshot in the cache (" +
                    m_settings.cacheDir.string() + ") and " + m_offlineReason);
    m_commit = *commit;
    std::vector<std::string> files;
    const fs::path dir = m_cache.snapshotDir(m_ref, m_commit);
    if (fs::exists(dir))
        for (const auto& entry : fs::recursive_directory_iterator(dir))
            if (!entry.is_directory())
                files.push_back(fs::relative(entry.path(), dir).generic_string());
    std::sort(files.begin(), files.end());
    return files;
}

} // namespace cpo::hub
