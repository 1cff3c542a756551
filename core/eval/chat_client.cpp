#include "eval/chat_client.h"

#include "util/error.h"

#include <curl/curl.h>
#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <memory>
#include <random>
#include <thread>
#include <vector>

namespace cpo::eval {
namespace {

using Clock = std::chrono::steady_clock;

// A retried request waits at most this long, whatever a Retry-After asks.
constexpr double kMaxDelaySeconds = 300.0;

void initialiseCurl()
{
    // curl_global_init is not thread-safe; a function-local static runs it exactly once.
    static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    if (!initialised)
        throw Error("libcurl could not be initialised");
}

struct CurlMultiDeleter {
    void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct CurlSlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// One request waiting to be sent (again).
struct Pending {
    std::size_t index = 0;
    int attempts = 0; // made so far
    Clock::time_point notBefore;
};

// One request in flight.
struct Transfer {
    std::size_t index = 0;
    int attempts = 0;
    CURL* easy = nullptr;
    std::string response;
    std::size_t maxBytes = 0;
    bool tooLarge = false; // the reply passed maxBytes: the transfer was aborted
    Clock::time_point started;
    char errorBuffer[CURL_ERROR_SIZE] = {};
};

std::size_t appendBody(char* data, std::size_t size, std::size_t count, void* user)
{
    auto& transfer = *static_cast<Transfer*>(user);
    const std::size_t bytes = size * count;
    if (bytes > transfer.maxBytes - std::min(transfer.maxBytes, transfer.response.size())) {
        transfer.tooLarge = true;
        return 0; // libcurl aborts the transfer (CURLE_WRITE_ERROR)
    }
    transfer.response.append(data, bytes);
    return bytes;
}

bool unreachable(CURLcode code)
{
    return code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
           code == CURLE_COULDNT_RESOLVE_PROXY;
}

} // namespace

ChatClient::ChatClient(ChatClientOptions options) : m_options(std::move(options))
{
    initialiseCurl();
}

void ChatClient::postAll(std::span<const std::string> bodies, const ReplyCallback& onReply)
{
    std::unique_ptr<CURLM, CurlMultiDeleter> multi(curl_multi_init());
    if (!multi)
        throw Error("libcurl could not start a transfer");
    std::unique_ptr<curl_slist, CurlSlistDeleter> headers(
        curl_slist_append(nullptr, "Content-Type: application/json"));
    if (!m_options.apiKey.empty())
        headers.reset(curl_slist_append(headers.release(),
                                        ("Authorization: Bearer " + m_options.apiKey).c_str()));

    std::deque<Pending> pending;
    for (std::size_t i = 0; i < bodies.size(); ++i)
        pending.push_back({i, 0, Clock::now()});
    std::vector<std::unique_ptr<Transfer>> inFlight;
    std::mt19937_64 jitter{std::random_device{}()};
    std::uniform_real_distribution<double> unit(0.0, 1.0);

    const auto cleanupAll = [&] {
        for (auto& transfer : inFlight) {
            curl_multi_remove_handle(multi.get(), transfer->easy);
            curl_easy_cleanup(transfer->easy);
        }
        inFlight.clear();
    };
    const auto start = [&](const Pending& request) {
        if (m_requestsSent >= m_options.maxRequests)
            throw Error(fmt::format("{}: the judge's max_requests ({}) is reached; what was "
                                    "judged is cached, so raise max_requests and run again",
                                    m_options.url, m_options.maxRequests));
        auto transfer = std::make_unique<Transfer>();
        transfer->index = request.index;
        transfer->attempts = request.attempts + 1;
        transfer->maxBytes = m_options.maxReplyBytes;
        transfer->started = Clock::now();
        CURL* easy = curl_easy_init();
        if (easy == nullptr)
            throw Error("libcurl could not start a request");
        transfer->easy = easy;
        const std::string& body = bodies[request.index];
        curl_easy_setopt(easy, CURLOPT_URL, m_options.url.c_str());
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get());
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, appendBody);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
        curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->errorBuffer);
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
                         static_cast<long>(std::ceil(m_options.timeoutSeconds * 1000.0)));
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer.get());
        curl_multi_add_handle(multi.get(), easy);
        ++m_requestsSent;
        inFlight.push_back(std::move(transfer));
    };
    // Exponential backoff with full jitter, unless the server said how long to wait.
    const auto retryDelay = [&](int attempts, curl_off_t retryAfter) {
        if (retryAfter > 0)
            return std::min(static_cast<double>(retryAfter), kMaxDelaySeconds);
        const double ceiling = m_options.backoffSeconds * std::pow(2.0, attempts - 1);
        return std::min(ceiling * (0.5 + 0.5 * unit(jitter)), kMaxDelaySeconds);
    };

    try {
        while (!pending.empty() || !inFlight.empty()) {
            const auto now = Clock::now();
            for (auto it = pending.begin();
                 it != pending.end() &&
                 inFlight.size() < static_cast<std::size_t>(m_options.concurrency);) {
                if (it->notBefore <= now) {
                    start(*it);
                    it = pending.erase(it);
                } else {
                    ++it;
                }
            }
            int running = 0;
            curl_multi_perform(multi.get(), &running);
            int queued = 0;
            while (CURLMsg* message = curl_multi_info_read(multi.get(), &queued)) {
                if (message->msg != CURLMSG_DONE)
                    continue;
                Transfer* transfer = nullptr;
                curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &transfer);
                const CURLcode code = message->data.result;
                HttpReply reply;
                reply.attempts = transfer->attempts;
                reply.latencyMs = std::chrono::duration<double, std::milli>(
                                      Clock::now() - transfer->started)
                                      .count();
                curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &reply.status);
                curl_off_t retryAfter = 0;
                curl_easy_getinfo(transfer->easy, CURLINFO_RETRY_AFTER, &retryAfter);
                reply.body = std::move(transfer->response);
                if (code != CURLE_OK)
                    reply.error = transfer->errorBuffer[0] != '\0'
                                      ? std::string(transfer->errorBuffer)
                                      : std::string(curl_easy_strerror(code));
                if (transfer->tooLarge) {
                    // Asking again would fetch the same flood: a failure, reported at once.
                    reply.error = fmt::format(
                        "the reply is larger than the {:g} MiB a judge's answer may have "
                        "(HTTP {}); check base_url points at a chat-completions endpoint",
                        static_cast<double>(m_options.maxReplyBytes) / (1 << 20), reply.status);
                    reply.body.clear();
                }
                const bool retryable = !transfer->tooLarge &&
                                       (code != CURLE_OK || reply.status == 429 ||
                                        reply.status >= 500);
                const std::size_t index = transfer->index;
                const int attempts = transfer->attempts;
                curl_multi_remove_handle(multi.get(), transfer->easy);
                curl_easy_cleanup(transfer->easy);
                std::erase_if(inFlight, [&](const auto& t) { return t.get() == transfer; });

                if (retryable && attempts <= m_options.maxRetries) {
                    const double delay = retryDelay(attempts, retryAfter);
                    pending.push_back({index, attempts,
                                       Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                          std::chrono::duration<double>(delay))});
                    continue;
                }
                if (unreachable(code))
                    throw Error(fmt::format("{} cannot be reached ({}) after {} attempts: is "
                                            "the server running? What was judged is cached",
                                            m_options.url, reply.error, attempts));
                if (code == CURLE_OK && reply.status != 200)
                    reply.error = fmt::format("HTTP {}", reply.status);
                onReply(index, reply);
            }
            if (!inFlight.empty() || !pending.empty()) {
                // Sleep until a socket is ready, or until the next delayed retry is due.
                int waitMs = 100;
                if (inFlight.size() < static_cast<std::size_t>(m_options.concurrency))
                    for (const auto& request : pending)
                        waitMs = std::min<int>(
                            waitMs, static_cast<int>(std::max<std::int64_t>(
                                        0, std::chrono::duration_cast<std::chrono::milliseconds>(
                                               request.notBefore - Clock::now())
                                               .count())));
                if (inFlight.empty())
                    std::this_thread::sleep_for(std::chrono::milliseconds(waitMs));
                else
                    curl_multi_poll(multi.get(), nullptr, 0, waitMs, nullptr);
            }
        }
    } catch (...) {
        cleanupAll();
        throw;
    }
}

} // namespace cpo::eval
