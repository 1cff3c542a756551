#include "hub/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace cpo::hub {
namespace {

constexpr long kConnectTimeoutSeconds = 10;
// A transfer that delivers less than 1 byte/s for this long is given up (and resumed).
constexpr long kStallSeconds = 30;
constexpr long kMaxRedirects = 10;

// libcurl's one-time global setup, done before the first handle (thread-safe static init).
void ensureCurlInitialised()
{
    static const bool initialised = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == 0; }();
    (void)initialised;
}

struct CurlDeleter {
    void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct HeaderListDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;
using HeaderList = std::unique_ptr<curl_slist, HeaderListDeleter>;

std::string lowerCase(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string trimmed(std::string_view text)
{
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
        text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.remove_suffix(1);
    return std::string(text);
}

// Collects the headers of the last response (a redirect's headers are replaced by the next).
std::size_t onHeader(char* buffer, std::size_t size, std::size_t count, void* user)
{
    auto& headers = *static_cast<std::map<std::string, std::string>*>(user);
    const std::string_view line(buffer, size * count);
    if (line.starts_with("HTTP/")) {
        headers.clear();
    } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
        headers[lowerCase(std::string(line.substr(0, colon)))] = trimmed(line.substr(colon + 1));
    }
    return size * count;
}

struct GetState {
    CURL* handle = nullptr;
    const BodyReceiver* body = nullptr;
    bool started = false;
    std::int64_t received = 0;
};

std::size_t onBody(char* data, std::size_t size, std::size_t count, void* user)
{
    auto& state = *static_cast<GetState*>(user);
    const std::size_t bytes = size * count;
    if (!state.started) {
        state.started = true;
        long status = 0;
        curl_easy_getinfo(state.handle, CURLINFO_RESPONSE_CODE, &status);
        if (state.body->start && !state.body->start(status))
            return 0;
    }
    if (!state.body->data(data, bytes))
        return 0;
    state.received += static_cast<std::int64_t>(bytes);
    if (state.body->progress)
        state.body->progress(state.received);
    return bytes;
}

std::size_t onText(char* data, std::size_t size, std::size_t count, void* user)
{
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

class Request {
public:
    Request(const std::string& url, const std::optional<std::string>& token)
        : m_handle(curl_easy_init())
    {
        curl_easy_setopt(m_handle.get(), CURLOPT_URL, url.c_str());
        curl_easy_setopt(m_handle.get(), CURLOPT_USERAGENT, "cpo-studio (hf-hub-compatible)");
        curl_easy_setopt(m_handle.get(), CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
        curl_easy_setopt(m_handle.get(), CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(m_handle.get(), CURLOPT_LOW_SPEED_TIME, kStallSeconds);
        curl_easy_setopt(m_handle.get(), CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(m_handle.get(), CURLOPT_HEADERFUNCTION, onHeader);
        curl_easy_setopt(m_handle.get(), CURLOPT_HEADERDATA, &m_response.headers);
        // Sizes and hashes are of the stored bytes: no transparent compression.
        addHeader("Accept-Encoding: identity");
        if (token)
            addHeader("Authorization: Bearer " + *token);
    }

    void addHeader(const std::string& line)
    {
        m_headers.reset(curl_slist_append(m_headers.release(), line.c_str()));
        curl_easy_setopt(m_handle.get(), CURLOPT_HTTPHEADER, m_headers.get());
    }

    CURL* handle() const { return m_handle.get(); }

    HttpResponse perform()
    {
        char error[CURL_ERROR_SIZE] = {};
        curl_easy_setopt(m_handle.get(), CURLOPT_ERRORBUFFER, error);
        const CURLcode code = curl_easy_perform(m_handle.get());
        curl_easy_getinfo(m_handle.get(), CURLINFO_RESPONSE_CODE, &m_response.status);
        if (code != CURLE_OK && code != CURLE_HTTP_RETURNED_ERROR)
            m_response.transportError = *error != '\0' ? error : curl_easy_strerror(code);
        return std::move(m_response);
    }

private:
    CurlHandle m_handle;
    HeaderList m_headers;
    HttpResponse m_response;
};

} // namespace

std::string HttpResponse::header(std::string_view name) const
{
    const auto found = headers.find(std::string(name));
    return found == headers.end() ? std::string() : found->second;
}

HttpClient::HttpClient(std::optional<std::string> token) : m_token(std::move(token))
{
    ensureCurlInitialised();
}

HttpResponse HttpClient::head(const std::string& url) const
{
    Request request(url, m_token);
    curl_easy_setopt(request.handle(), CURLOPT_NOBODY, 1L);
    curl_easy_setopt(request.handle(), CURLOPT_FOLLOWLOCATION, 0L);
    return request.perform();
}

HttpResponse HttpClient::get(const std::string& url, std::int64_t from,
                             const BodyReceiver& body) const
{
    Request request(url, m_token);
    GetState state{request.handle(), &body};
    curl_easy_setopt(request.handle(), CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(request.handle(), CURLOPT_MAXREDIRS, kMaxRedirects);
    curl_easy_setopt(request.handle(), CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(request.handle(), CURLOPT_WRITEFUNCTION, onBody);
    curl_easy_setopt(request.handle(), CURLOPT_WRITEDATA, &state);
    if (from > 0)
        request.addHeader("Range: bytes=" + std::to_string(from) + "-");
    return request.perform();
}

HttpResponse HttpClient::getText(const std::string& url, std::string& text) const
{
    Request request(url, m_token);
    curl_easy_setopt(request.handle(), CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(request.handle(), CURLOPT_MAXREDIRS, kMaxRedirects);
    curl_easy_setopt(request.handle(), CURLOPT_WRITEFUNCTION, onText);
    curl_easy_setopt(request.handle(), CURLOPT_WRITEDATA, &text);
    return request.perform();
}

std::string urlEncode(std::string_view text, bool keepSlash)
{
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~' ||
            (keepSlash && c == '/')) {
            out += c;
        } else {
            out += '%';
            out += kHex[byte >> 4];
            out += kHex[byte & 0xF];
        }
    }
    return out;
}

} // namespace cpo::hub
