#include "util/process_memory.h"

#include <unistd.h>

#include <fstream>

namespace cpo {

std::optional<std::int64_t> residentBytes()
{
    std::ifstream statm("/proc/self/statm");
    std::int64_t totalPages = 0;
    std::int64_t residentPages = 0;
    if (!(statm >> totalPages >> residentPages))
        return std::nullopt;
    return residentPages * static_cast<std::int64_t>(::sysconf(_SC_PAGESIZE));
}

} // namespace cpo
