#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

// A small libcurl client for the Hub's two requests: HEAD (metadata, redirects not followed)
// and GET (the bytes, redirects followed, optionally from an offset with an HTTP range).
namespace cpo::hub {

struct HttpResponse {
    long status = 0;                            // 0 when no response came
    std::map<std::string, std::string> headers; // names in lower case; the last response's
    std::string transportError;                 // non-empty: no (complete) answer came

    // A header's value, or "" (`name` in lower case).
    std::string header(std::string_view name) const;
};

// Receives a GET's body: `start` once, with the status, before the first byte (false
// aborts), then the bytes (false aborts), then `progress` with the bytes received so far.
struct BodyReceiver {
    std::function<bool(long status)> start;
    std::function<bool(const char* data, std::size_t size)> data;
    std::function<void(std::int64_t received)> progress;
};

class HttpClient {
public:
    // `token`, when given, goes in each request's Authorization header (libcurl drops it on a
    // redirect to another host, e.g. a CDN), and nowhere else.
    explicit HttpClient(std::optional<std::string> token);

    HttpResponse head(const std::string& url) const;
    // GET following redirects; `from` > 0 asks for the bytes from that offset (Range).
    HttpResponse get(const std::string& url, std::int64_t from, const BodyReceiver& body) const;
    // GET of a small text document (the Hub's JSON API), whole.
    HttpResponse getText(const std::string& url, std::string& text) const;

private:
    std::optional<std::string> m_token;
};

// Percent-encodes `text` for a URL path; '/' is kept when `keepSlash`.
std::string urlEncode(std::string_view text, bool keepSlash);

} // namespace cpo::hub
