#pragma once

#include <httplib.h>

#include <QtCore/QByteArray>
#include <QtCore/QCryptographicHash>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

// A Hugging Face Hub on 127.0.0.1 for the hub tests, in the Hub's URL and header conventions:
// /{repo}/resolve/{rev}/{file} (datasets under /datasets/), answering HEAD and GET with
// X-Repo-Commit and an ETag (git's blob sha1) for regular files, or a 302 to /blobs/{sha256}
// with X-Linked-Etag / X-Linked-Size for LFS files; /blobs/ honours Range; /api/{type}s/{repo}
// /revision/{rev} lists the files. It logs every request, and can drop a transfer half-way,
// corrupt a blob, delay one, or demand a token.
namespace cpo::test {

struct HubFile {
    QByteArray content;
    bool lfs = false;
};

struct HubRepo {
    std::string commit;
    std::map<std::string, HubFile> files;
    std::string requiredToken; // non-empty: a gated repo
};

struct LoggedRequest {
    std::string method;
    std::string path;
    std::string range;
    std::string authorization;
};

inline std::string sha256Of(const QByteArray& bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex().toStdString();
}

// The id git gives a file: sha1 of "blob <size>\0<bytes>".
inline std::string gitBlobIdOf(const QByteArray& bytes)
{
    QByteArray object = "blob " + QByteArray::number(bytes.size());
    object.append('\0');
    object.append(bytes);
    return QCryptographicHash::hash(object, QCryptographicHash::Sha1).toHex().toStdString();
}

class FakeHub {
public:
    FakeHub()
    {
        m_server.Get(R"(/(datasets/)?([^/]+/[^/]+)/resolve/([^/]+)/(.+))",
                     [this](const httplib::Request& req, httplib::Response& res) {
                         log(req);
                         resolve(req, res);
                     });
        m_server.Get(R"(/blobs/([0-9a-f]+))",
                     [this](const httplib::Request& req, httplib::Response& res) {
                         log(req);
                         blob(req.matches[1], res);
                     });
        m_server.Get(R"(/api/(models|datasets)/([^/]+/[^/]+)/revision/([^/]+))",
                     [this](const httplib::Request& req, httplib::Response& res) {
                         log(req);
                         listing(req, res);
                     });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        // stop() only stops a server that is running: wait for it, or a quick test's
        // destructor would join a thread that never ends.
        while (!m_server.is_running())
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }

    ~FakeHub()
    {
        m_server.stop();
        m_thread.join();
    }

    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(m_port); }

    // `key`: "models/ORG/NAME" or "datasets/ORG/NAME".
    void addRepo(const std::string& key, HubRepo repo)
    {
        const std::lock_guard lock(m_mutex);
        for (const auto& [name, file] : repo.files)
            if (file.lfs)
                m_blobs[sha256Of(file.content)] = file.content;
        m_repos[key] = std::move(repo);
    }

    std::vector<LoggedRequest> requests() const
    {
        const std::lock_guard lock(m_mutex);
        return m_log;
    }
    int count(const std::string& method) const
    {
        int n = 0;
        for (const auto& request : requests())
            n += request.method == method;
        return n;
    }
    void clearLog()
    {
        const std::lock_guard lock(m_mutex);
        m_log.clear();
    }
    // The next GET of this blob sends half its bytes, then drops the connection.
    void dropNextTransfer(const std::string& sha)
    {
        const std::lock_guard lock(m_mutex);
        m_dropNext.insert(sha);
    }
    // Every GET of this blob sends other bytes of the same length.
    void corrupt(const std::string& sha)
    {
        const std::lock_guard lock(m_mutex);
        m_corrupt.insert(sha);
    }
    // Blob transfers wait this long before sending (so concurrent fetches overlap).
    void delayTransfers(int milliseconds) { m_delayMs = milliseconds; }

private:
    void log(const httplib::Request& req)
    {
        const std::lock_guard lock(m_mutex);
        m_log.push_back({req.method, req.path, req.get_header_value("Range"),
                         req.get_header_value("Authorization")});
    }

    void resolve(const httplib::Request& req, httplib::Response& res)
    {
        const std::lock_guard lock(m_mutex);
        const std::string key = (req.matches[1].length() > 0 ? "datasets/" : "models/") +
                                std::string(req.matches[2]);
        const auto repo = m_repos.find(key);
        if (repo == m_repos.end()) {
            res.status = 401; // the Hub hides repos that do not exist behind 401
            res.set_header("X-Error-Code", "RepoNotFound");
            return;
        }
        if (!repo->second.requiredToken.empty() &&
            req.get_header_value("Authorization") != "Bearer " + repo->second.requiredToken) {
            res.status = 401;
            res.set_header("X-Error-Code", "GatedRepo");
            return;
        }
        const std::string revision = req.matches[3];
        if (revision != "main" && revision != repo->second.commit) {
            res.status = 404;
            res.set_header("X-Error-Code", "RevisionNotFound");
            return;
        }
        res.set_header("X-Repo-Commit", repo->second.commit);
        const auto file = repo->second.files.find(req.matches[4]);
        if (file == repo->second.files.end()) {
            res.status = 404;
            res.set_header("X-Error-Code", "EntryNotFound");
            return;
        }
        const auto& content = file->second.content;
        if (file->second.lfs) {
            const std::string sha = sha256Of(content);
            res.status = 302;
            res.set_header("Location", endpoint() + "/blobs/" + sha);
            res.set_header("X-Linked-Etag", "\"" + sha + "\"");
            res.set_header("X-Linked-Size", std::to_string(content.size()));
            res.set_header("ETag", "\"" + gitBlobIdOf("version lfs pointer " + content.left(8)) +
                                       "\"");
            return;
        }
        res.set_header("ETag", "\"" + gitBlobIdOf(content) + "\"");
        res.set_content(content.toStdString(), "application/octet-stream");
    }

    void blob(const std::string& sha, httplib::Response& res)
    {
        if (m_delayMs > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(m_delayMs.load()));
        const std::lock_guard lock(m_mutex);
        const auto found = m_blobs.find(sha);
        if (found == m_blobs.end()) {
            res.status = 404;
            return;
        }
        std::string bytes = found->second.toStdString();
        if (m_corrupt.contains(sha))
            bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x5a);
        if (m_dropNext.erase(sha) > 0) {
            const auto half = bytes.size() / 2;
            res.set_content_provider(bytes.size(), "application/octet-stream",
                                     [bytes, half](std::size_t offset, std::size_t,
                                                   httplib::DataSink& sink) {
                                         if (offset < half)
                                             sink.write(bytes.data() + offset, half - offset);
                                         return offset < half; // then the connection drops
                                     });
            return;
        }
        res.set_content(bytes, "application/octet-stream");
    }

    void listing(const httplib::Request& req, httplib::Response& res)
    {
        const std::lock_guard lock(m_mutex);
        const auto repo = m_repos.find(std::string(req.matches[1]) + "/" +
                                       std::string(req.matches[2]));
        if (repo == m_repos.end()) {
            res.status = 401;
            return;
        }
        std::string siblings;
        for (const auto& [name, file] : repo->second.files)
            siblings.append(siblings.empty() ? "" : ",")
                .append("{\"rfilename\":\"")
                .append(name)
                .append("\"}");
        res.set_content("{\"sha\":\"" + repo->second.commit + "\",\"siblings\":[" + siblings +
                            "]}",
                        "application/json");
    }

    httplib::Server m_server;
    int m_port = 0;
    std::thread m_thread;
    mutable std::mutex m_mutex;
    std::map<std::string, HubRepo> m_repos;
    std::map<std::string, QByteArray> m_blobs;
    std::set<std::string> m_dropNext;
    std::set<std::string> m_corrupt;
    std::atomic<int> m_delayMs{0};
    std::vector<LoggedRequest> m_log;
};

} // namespace cpo::test
