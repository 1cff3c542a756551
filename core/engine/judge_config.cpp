#include "engine/judge_config.h"

#include "util/hash.h"
#include "util/config_reader.h"
#include "engine/experiment.h"
#include "util/error.h"

#include <spdlog/fmt/fmt.h>

#include <array>
#include <fstream>
#include <sstream>

namespace cpo::engine {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 4> kKinds{"oracle", "lm", "openai", "human"};
constexpr std::array<std::string_view, 2> kScores{"per_token", "total"};
// A second FNV offset basis, so the two streams of textHash are independent.
constexpr std::uint64_t kSecondBasis = 0x84222325cbf29ce4ULL;

std::filesystem::path resolved(const std::filesystem::path& baseDir, const std::string& path)
{
    const std::filesystem::path given(path);
    return given.is_absolute() || baseDir.empty() ? given : baseDir / given;
}

void readChat(ObjectReader& in, const std::filesystem::path& baseDir, ChatJudgeConfig& chat,
              json& document)
{
    if (in.has("api_key"))
        in.error("api_key", "a key is never written in a file: put it in an environment "
                            "variable and name that with \"api_key_env\"");
    chat.baseUrl = in.requiredString("base_url").value_or("");
    while (chat.baseUrl.ends_with('/'))
        chat.baseUrl.pop_back();
    if (chat.baseUrl.ends_with("/v1"))
        chat.baseUrl.resize(chat.baseUrl.size() - 3);
    if (!chat.baseUrl.empty() && !chat.baseUrl.starts_with("http://") &&
        !chat.baseUrl.starts_with("https://"))
        in.error("base_url", describeValue(chat.baseUrl) + " is not an http:// or https:// URL");
    chat.model = in.requiredString("model").value_or("");
    chat.apiKeyEnv = in.string("api_key_env", "");
    if (const auto file = in.requiredString("template")) {
        chat.templateFile = resolved(baseDir, *file);
        document["template"] = chat.templateFile.string();
        std::ifstream stream(chat.templateFile, std::ios::binary);
        if (!stream) {
            in.error("template", fmt::format("cannot read {} (copy resources/judges/"
                                             "pairwise.txt and name your copy here)",
                                             chat.templateFile.string()));
        } else {
            std::ostringstream text;
            text << stream.rdbuf();
            chat.templateText = text.str();
            for (const char* field : {"{{prompt}}", "{{a}}", "{{b}}"})
                if (chat.templateText.find(field) == std::string::npos)
                    in.error("template", fmt::format("{} lacks the field {} (it needs "
                                                     "{{{{prompt}}}}, {{{{a}}}} and {{{{b}}}})",
                                                     chat.templateFile.string(), field));
        }
    }
    chat.concurrency = in.integer("concurrency", chat.concurrency, Range::closed(1, 256));
    chat.maxRequests = in.integer("max_requests", chat.maxRequests, Range::atLeast(1));
    chat.timeoutSeconds = in.number("timeout_s", chat.timeoutSeconds, Range::above(0));
    chat.maxRetries = in.integer("max_retries", chat.maxRetries, Range::closed(0, 100));
    chat.backoffSeconds = in.number("backoff_s", chat.backoffSeconds, Range::atLeast(0));
    chat.temperature = in.number("temperature", chat.temperature, Range::closed(0, 2));
    chat.maxTokens = in.integer("max_tokens", chat.maxTokens, Range::atLeast(1));
}

} // namespace

std::string_view toString(JudgeKind kind) { return kKinds[static_cast<std::size_t>(kind)]; }

JudgeConfig parseJudgeConfig(const json& document, std::string_view source,
                             const std::filesystem::path& baseDir)
{
    if (!document.is_object())
        throw ConfigError(source, {{"", "expected a JSON object such as {\"kind\": \"oracle\"}"
                                        ", got " + describeValue(document)}});
    ConfigIssues issues;
    ObjectReader in(document, "", issues);
    JudgeConfig config;
    config.document = document;
    const auto kind = in.requiredChoice("kind", kKinds).value_or("oracle");
    config.kind = static_cast<JudgeKind>(std::ranges::find(kKinds, kind) - kKinds.begin());
    config.name = in.string("name", "");
    switch (config.kind) {
    case JudgeKind::Oracle:
    case JudgeKind::Lm:
        config.score = in.choice("score", "per_token", kScores) == "total"
                           ? LikelihoodScore::Total
                           : LikelihoodScore::PerToken;
        if (config.kind == JudgeKind::Lm) {
            if (const auto model = in.requiredString("model")) {
                config.lmModel = resolved(baseDir, *model);
                config.document["model"] = config.lmModel.string();
                if (!std::filesystem::is_regular_file(config.lmModel / "config.json"))
                    in.error("model", fmt::format("{} is not a model folder (no config.json)",
                                                  config.lmModel.string()));
            }
        }
        break;
    case JudgeKind::OpenAi:
        readChat(in, baseDir, config.chat, config.document);
        break;
    case JudgeKind::Human:
        break;
    }
    in.finish();
    if (!issues.empty())
        throw ConfigError(source, issues.all());
    if (config.name.empty())
        config.name = config.kind == JudgeKind::OpenAi ? "openai:" + config.chat.model
                      : config.kind == JudgeKind::Lm
                          ? "lm:" + config.lmModel.filename().string()
                          : std::string(kind);
    return config;
}

JudgeConfig loadJudgeConfig(const std::filesystem::path& file)
{
    return parseJudgeConfig(readJsonWithComments(file), file.string(), file.parent_path());
}

std::string judgeConfigHash(const JudgeConfig& config)
{
    json identity = config.document;
    // Where the key and the template come from, the display name and how requests travel
    // change no answer; the template's text does.
    for (const char* key : {"api_key_env", "name", "template", "concurrency", "max_requests",
                            "timeout_s", "max_retries", "backoff_s"})
        identity.erase(key);
    identity["template_text"] = config.chat.templateText;
    return textHash(identity.dump());
}

std::string textHash(std::string_view text)
{
    return fmt::format("{:016x}{:016x}", fnv1a64(text),
                       fnv1a64(text, kSecondBasis));
}

} // namespace cpo::engine
