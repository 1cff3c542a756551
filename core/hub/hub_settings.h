#pragma once

#include <filesystem>
#include <optional>
#include <string>

// Where the Hub is and where its files are cached, read from the environment variables that
// huggingface_hub and transformers read, so both sides share one cache and one login.
namespace cpo::hub {

struct HubSettings {
    std::string endpoint = "https://huggingface.co"; // HF_ENDPOINT (mirrors, tests)
    std::filesystem::path cacheDir; // HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub
    std::optional<std::string> token; // HF_TOKEN, else the token file; sent, never logged or stored
    bool offline = false;             // HF_HUB_OFFLINE=1: the cache only
};

HubSettings settingsFromEnvironment();

} // namespace cpo::hub
