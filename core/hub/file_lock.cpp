#include "hub/file_lock.h"

#include "util/error.h"
#include "util/log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cpo::hub {

FileLock::FileLock(const std::filesystem::path& file)
{
    std::filesystem::create_directories(file.parent_path());
    m_fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd < 0)
        throw Error("cannot open the lock file " + file.string() + ": " + std::strerror(errno));
    if (::flock(m_fd, LOCK_EX | LOCK_NB) == 0)
        return;
    log::get("hub")->info("waiting for another process downloading the same file ({})",
                          file.string());
    while (::flock(m_fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            ::close(m_fd);
            throw Error("cannot lock " + file.string() + ": " + std::strerror(errno));
        }
    }
}

FileLock::~FileLock()
{
    ::flock(m_fd, LOCK_UN);
    ::close(m_fd);
}

} // namespace cpo::hub
