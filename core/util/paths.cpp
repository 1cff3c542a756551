#include "util/paths.h"

#include <cstdlib>

namespace cpo {

std::filesystem::path dataDirectory()
{
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
        return std::filesystem::path(xdg) / "cpo-studio";
    if (const char* home = std::getenv("HOME"); home && *home)
        return std::filesystem::path(home) / ".local" / "share" / "cpo-studio";
    return std::filesystem::current_path() / ".cpo-studio";
}

std::filesystem::path defaultDatabasePath() { return dataDirectory() / "runs.sqlite"; }

std::filesystem::path defaultRunsDirectory() { return dataDirectory() / "runs"; }

} // namespace cpo
