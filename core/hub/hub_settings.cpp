#include "hub/hub_settings.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <string_view>

namespace cpo::hub {
namespace {

std::optional<std::string> environment(const char* name)
{
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0')
        return std::nullopt;
    return std::string(value);
}

std::string trimmed(std::string text)
{
    const auto isSpace = [](unsigned char c) { return std::isspace(c) != 0; };
    text.erase(text.begin(), std::find_if_not(text.begin(), text.end(), isSpace));
    text.erase(std::find_if_not(text.rbegin(), text.rend(), isSpace).base(), text.end());
    return text;
}

// huggingface_hub's truthy values: 1, ON, YES, TRUE (any case).
bool isTruthy(std::string value)
{
    std::transform(value.begin(), value.end(), value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return value == "1" || value == "ON" || value == "YES" || value == "TRUE";
}

std::filesystem::path hfHome()
{
    if (auto home = environment("HF_HOME"))
        return *home;
    if (auto xdg = environment("XDG_CACHE_HOME"))
        return std::filesystem::path(*xdg) / "huggingface";
    if (auto home = environment("HOME"))
        return std::filesystem::path(*home) / ".cache" / "huggingface";
    return std::filesystem::current_path() / ".cache" / "huggingface";
}

std::optional<std::string> readToken(const std::filesystem::path& home)
{
    if (auto token = environment("HF_TOKEN"))
        return trimmed(*token);
    const std::filesystem::path file =
        environment("HF_TOKEN_PATH").value_or((home / "token").string());
    std::ifstream in(file);
    std::string token;
    if (!in || !std::getline(in, token) || trimmed(token).empty())
        return std::nullopt;
    return trimmed(token);
}

} // namespace

HubSettings settingsFromEnvironment()
{
    HubSettings settings;
    if (auto endpoint = environment("HF_ENDPOINT")) {
        settings.endpoint = *endpoint;
        while (settings.endpoint.ends_with('/'))
            settings.endpoint.pop_back();
    }
    const auto home = hfHome();
    auto cache = environment("HF_HUB_CACHE");
    if (!cache)
        cache = environment("HUGGINGFACE_HUB_CACHE"); // the older name, still honoured
    settings.cacheDir = cache.value_or((home / "hub").string());
    settings.token = readToken(home);
    settings.offline = isTruthy(environment("HF_HUB_OFFLINE").value_or(""));
    return settings;
}

} // namespace cpo::hub
