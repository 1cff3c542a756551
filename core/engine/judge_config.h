#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace cpo::engine {

enum class JudgeKind { Oracle, Lm, OpenAi, Human };
std::string_view toString(JudgeKind kind);

// What a likelihood judge (oracle, LM) compares: log p per continuation token, or in total
// (which favours short continuations).
enum class LikelihoodScore { PerToken, Total };

// An OpenAI-compatible chat endpoint (OpenAI, vLLM, llama.cpp's server, Ollama).
struct ChatJudgeConfig {
    std::string baseUrl;   // "https://api.openai.com" or "http://127.0.0.1:8080"; /v1/... added
    std::string model;
    std::string apiKeyEnv; // the environment variable holding the key; "" = no key
    std::filesystem::path templateFile;
    std::string templateText; // read from templateFile when the config is loaded
    std::int64_t concurrency = 4;   // requests in flight at once
    std::int64_t maxRequests = 10000; // HTTP requests per evaluation, retries included
    double timeoutSeconds = 60.0;     // per request
    std::int64_t maxRetries = 4;      // after 429, 5xx, timeouts and refused connections
    double backoffSeconds = 1.0;      // first retry's delay, doubled each time, with jitter
    double temperature = 0.0;
    std::int64_t maxTokens = 16;
};

// A judge configured by a small JSON file (experiments/judges/ has examples):
//   {"kind": "oracle", "score": "per_token"}
//   {"kind": "lm", "model": "/models/gpt2-xl", "score": "per_token"}
//   {"kind": "openai", "base_url": "...", "model": "...", "api_key_env": "OPENAI_API_KEY",
//    "template": "../../resources/judges/pairwise.txt", "concurrency": 4, ...}
//   {"kind": "human"}
// An API key itself is refused: it would end up in files and the store.
struct JudgeConfig {
    JudgeKind kind = JudgeKind::Oracle;
    std::string name; // shown in results; default: the kind (and model)
    LikelihoodScore score = LikelihoodScore::PerToken;
    std::filesystem::path lmModel; // kind lm: a Hugging Face model folder
    ChatJudgeConfig chat;          // kind openai
    nlohmann::json document;       // as given (relative paths made absolute); never a key
};

// Throws ConfigError listing every problem, by JSON path. Relative paths are taken from
// `baseDir` (the config file's folder); the template file is read.
JudgeConfig parseJudgeConfig(const nlohmann::json& document, std::string_view source,
                             const std::filesystem::path& baseDir);
JudgeConfig loadJudgeConfig(const std::filesystem::path& file);

// What makes two judges give the same answers: the config (without the key variable's
// name) and the template's text. Judgments are cached under it.
std::string judgeConfigHash(const JudgeConfig& config);

// A stable hex hash of text (prompts, pairs) for cache keys: two FNV-1a 64 streams.
std::string textHash(std::string_view text);

} // namespace cpo::engine
