#include "eval/chat_connection_test.h"

#include "eval/chat_client.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <string_view>
#include <vector>

namespace cpo::eval {

ConnectionCheck testChatConnection(const engine::ChatJudgeConfig& config)
{
    ChatClientOptions options;
    std::string base = config.baseUrl;
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    options.url = base + "/v1/chat/completions";
    if (!config.apiKeyEnv.empty()) {
        const char* key = std::getenv(config.apiKeyEnv.c_str());
        if (!key || std::string_view(key).empty())
            return {false, fmt::format("the variable {} is not set: export it before starting "
                                       "the app",
                                       config.apiKeyEnv)};
        options.apiKey = key;
    }
    options.concurrency = 1;
    options.maxRequests = 2;
    options.maxRetries = 0;
    options.timeoutSeconds = config.timeoutSeconds;
    const nlohmann::json body = {
        {"model", config.model},
        {"messages", {{{"role", "user"}, {"content", "Reply with the single word OK."}}}},
        {"max_tokens", 4},
        {"temperature", 0}};
    const std::vector<std::string> bodies{body.dump()};
    ConnectionCheck check;
    try {
        ChatClient client(options);
        client.postAll(bodies, [&check, &options](std::size_t, const HttpReply& reply) {
            if (reply.status == 200) {
                const auto answer = nlohmann::json::parse(reply.body, nullptr, false);
                std::string text = "(no message)";
                if (answer.is_object() && answer.contains("choices")
                    && !answer["choices"].empty())
                    text = answer["choices"][0].value("message", nlohmann::json::object())
                               .value("content", text);
                check = {true, fmt::format("{}: HTTP 200 in {:.0f} ms, the model answered "
                                           "\"{}\"",
                                           options.url, reply.latencyMs, text)};
            } else if (reply.status != 0) {
                check = {false, fmt::format("{}: HTTP {}: {}", options.url, reply.status,
                                            reply.body.substr(0, 300))};
            } else {
                check = {false, fmt::format("{}: no answer ({})", options.url, reply.error)};
            }
        });
    } catch (const std::exception& e) {
        check = {false, e.what()};
    }
    return check;
}

} // namespace cpo::eval
