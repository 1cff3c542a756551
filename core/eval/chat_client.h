#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

namespace cpo::eval {

// The most bytes one reply body may have: a chat completion with a verdict is a few KiB, so a
// larger one is a wrong endpoint or a runaway server, not an answer worth holding in memory.
inline constexpr std::size_t kMaxJudgeReplyBytes = std::size_t(1) << 20;

struct ChatClientOptions {
    std::string url;    // the full endpoint, e.g. http://127.0.0.1:8080/v1/chat/completions
    std::string apiKey; // sent as "Authorization: Bearer KEY"; empty: no header
    std::int64_t concurrency = 4;
    std::int64_t maxRequests = 10000; // HTTP requests in all, retries included
    double timeoutSeconds = 60.0;
    std::int64_t maxRetries = 4;
    double backoffSeconds = 1.0;
    std::size_t maxReplyBytes = kMaxJudgeReplyBytes; // a longer reply is an error, not retried
};

struct HttpReply {
    long status = 0;       // the HTTP status; 0 when no response came
    std::string body;
    std::string error;     // why no usable response came (a timeout); empty otherwise
    double latencyMs = 0.0; // of the last attempt
    int attempts = 0;
};

// POSTs JSON bodies to one endpoint with libcurl's multi interface: up to `concurrency`
// requests in flight on the caller's thread. A 429 (after the Retry-After it asks for), a
// 5xx, a timeout or a refused connection is retried after an exponential backoff with
// jitter, up to maxRetries times. A reply body past maxReplyBytes is cut off there and
// delivered with an error saying so (and no body).
class ChatClient {
public:
    explicit ChatClient(ChatClientOptions options);

    using ReplyCallback = std::function<void(std::size_t index, const HttpReply& reply)>;
    // Calls onReply (on this thread) with each body's final reply as it arrives. Throws
    // cpo::Error when the endpoint cannot be reached at all, or when maxRequests would be
    // passed; replies delivered before stay delivered (and are cached by the judge).
    void postAll(std::span<const std::string> bodies, const ReplyCallback& onReply);

    std::int64_t requestsSent() const { return m_requestsSent; }

private:
    ChatClientOptions m_options;
    std::int64_t m_requestsSent = 0;
};

} // namespace cpo::eval
