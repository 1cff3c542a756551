#include "engine/run_folders.h"

#include "util/paths.h"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <sstream>

namespace cpo::engine {

namespace fs = std::filesystem;

std::string folderTimestamp()
{
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    std::ostringstream text;
    text << std::put_time(&local, "%Y%m%d-%H%M%S");
    return text.str();
}

fs::path runFolderFor(const ExperimentConfig& config, const fs::path& outDir)
{
    if (!outDir.empty())
        return fs::absolute(outDir);
    if (!config.outputDir.empty())
        return fs::absolute(config.outputDir);
    return fs::absolute(defaultRunsDirectory() / (config.name + "-" + folderTimestamp()));
}

fs::path queueRootFor(const fs::path& queueFile, const fs::path& outDir)
{
    if (!outDir.empty())
        return fs::absolute(outDir);
    return fs::absolute(defaultRunsDirectory() /
                        (queueFile.stem().string() + "-" + folderTimestamp()));
}

std::string queueFolderName(std::size_t index, const std::string& name)
{
    char prefix[16];
    std::snprintf(prefix, sizeof prefix, "%02zu-", index + 1);
    std::string folder = prefix;
    for (const char c : name) {
        const bool plain = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                           c == '-' || c == '=';
        folder += plain ? c : '-';
    }
    return folder;
}

} // namespace cpo::engine
