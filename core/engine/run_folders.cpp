#include "engine/run_folders.h"

#include "util/error.h"
#include "util/paths.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iomanip>
#include <optional>
#include <sstream>

namespace cpo::engine {
namespace {

namespace fs = std::filesystem;

// More same-second runs of one name than anyone starts by hand; past it something is wrong.
constexpr int kMaxSuffix = 1000;

enum class Claim { Won, Taken };

// Takes `folder` for a new run: creates it (and its parents) or takes it empty, then creates
// `marker` in it with O_EXCL, which only one process can do.
Claim claimFolder(const fs::path& folder, const char* marker, const std::string& text)
{
    std::error_code error;
    fs::create_directories(folder, error);
    if (error || !fs::is_directory(folder)) {
        const auto why = error ? error.message() : std::string("a file has that name");
        throw Error(folder.string() + ": cannot create the run folder (" + why +
                    "); choose another with --out");
    }
    if (!fs::is_empty(folder, error))
        return Claim::Taken;
    const auto file = folder / marker;
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == EEXIST)
            return Claim::Taken;
        throw Error(file.string() + ": cannot create (" + std::strerror(errno) +
                    "); choose another folder with --out");
    }
    const bool written = ::write(fd, text.data(), text.size()) ==
                         static_cast<ssize_t>(text.size());
    ::close(fd);
    if (!written)
        throw Error(file.string() + ": cannot write (disk full?)");
    return Claim::Won;
}

fs::path claimGiven(const fs::path& folder, const char* marker, const std::string& text)
{
    const auto absolute = fs::absolute(folder);
    if (claimFolder(absolute, marker, text) == Claim::Taken)
        throw Error(absolute.string() + ": the folder is not empty (another run's?); a new "
                    "run needs an empty or new folder: choose another --out (or output.dir), "
                    "or continue that run with `cpo runs resume ID`");
    return absolute;
}

// NAME-TIME under the default runs folder, the first of NAME-TIME, NAME-TIME-2… it wins.
fs::path claimFresh(const std::string& name, const char* marker, const std::string& text)
{
    const auto base = fs::absolute(defaultRunsDirectory()) /
                      (safeFolderName(name) + "-" + folderTimestamp());
    for (int suffix = 1; suffix <= kMaxSuffix; ++suffix) {
        auto candidate = base;
        if (suffix > 1) {
            // Appended in two steps: GCC 12 warns falsely (-Wstringop-overflow) about
            // "-" + std::to_string(...).
            candidate += "-";
            candidate += std::to_string(suffix);
        }
        if (claimFolder(candidate, marker, text) == Claim::Won)
            return candidate;
    }
    throw Error(base.string() + ": " + std::to_string(kMaxSuffix) +
                " runs of that name already started this second; choose a folder with --out");
}

} // namespace

std::string folderTimestamp()
{
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    std::ostringstream text;
    text << std::put_time(&local, "%Y%m%d-%H%M%S");
    return text.str();
}

std::string safeFolderName(std::string_view name)
{
    std::string folder;
    for (const char c : name) {
        if (folder.size() == kMaxFolderNameBytes)
            break;
        const bool plain = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' ||
                           c == '_' || c == '-' || c == '=';
        if (c == '.' && folder.empty())
            continue; // no hidden folder, never "." or ".."
        folder += plain ? c : '-';
    }
    return folder.empty() ? "run" : folder;
}

fs::path claimRunFolder(const ExperimentConfig& config, const fs::path& outDir,
                        const std::string& experimentJson)
{
    const auto& given = outDir.empty() ? fs::path(config.outputDir) : outDir;
    if (!given.empty())
        return claimGiven(given, "experiment.json", experimentJson);
    return claimFresh(config.name, "experiment.json", experimentJson);
}

fs::path claimQueueRoot(const fs::path& queueFile, const fs::path& outDir,
                        const std::string& queueJson)
{
    if (!outDir.empty())
        return claimGiven(outDir, "queue.json", queueJson);
    return claimFresh(queueFile.stem().string(), "queue.json", queueJson);
}

std::string queueFolderName(std::size_t index, const std::string& name)
{
    char prefix[16];
    std::snprintf(prefix, sizeof prefix, "%02zu-", index + 1);
    return prefix + safeFolderName(name);
}

} // namespace cpo::engine
