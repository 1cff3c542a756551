#include "engine/line_process.h"

#include "util/error.h"
#include "util/wait_status.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

extern char** environ;

namespace cpo::engine {
namespace {

// A pipe whose both ends close on exec, so the child inherits only what spawn dup2s.
std::array<int, 2> makePipe()
{
    std::array<int, 2> fds{};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0)
        throw Error(std::string("cannot create a pipe: ") + std::strerror(errno));
    return fds;
}

// Reads what is there now; false at end of file.
bool readAvailable(int fd, std::string& buffer)
{
    std::array<char, 65536> chunk{};
    for (;;) {
        const auto n = ::read(fd, chunk.data(), chunk.size());
        if (n > 0) {
            buffer.append(chunk.data(), static_cast<std::size_t>(n));
            if (static_cast<std::size_t>(n) < chunk.size())
                return true;
            continue;
        }
        if (n == 0)
            return false;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN)
            return true;
        throw Error(std::string("cannot read from the command: ") + std::strerror(errno));
    }
}

} // namespace

LineProcess::LineProcess(const std::vector<std::string>& argv)
{
    if (argv.empty() || argv.front().empty())
        throw Error("the command is empty");
    auto out = makePipe();
    auto err = makePipe();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    std::vector<char*> args;
    for (const auto& arg : argv)
        args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    const int rc = ::posix_spawnp(&m_pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    ::close(err[1]);
    if (rc != 0) {
        ::close(out[0]);
        ::close(err[0]);
        throw Error("cannot start `" + argv.front() + "`: " + std::strerror(rc) +
                    (rc == ENOENT ? " (is it installed and on PATH?)" : ""));
    }
    m_stdout = out[0];
    m_stderr = err[0];
    ::fcntl(m_stdout, F_SETFL, ::fcntl(m_stdout, F_GETFL) | O_NONBLOCK);
    ::fcntl(m_stderr, F_SETFL, ::fcntl(m_stderr, F_GETFL) | O_NONBLOCK);
}

LineProcess::~LineProcess()
{
    if (!m_exited && m_pid > 0) {
        ::kill(m_pid, SIGTERM);
        for (int i = 0; i < 20; ++i) { // up to 2 s to end on its own
            int status = 0;
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_exited = true;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (!m_exited) {
            ::kill(m_pid, SIGKILL);
            int status = 0;
            ::waitpid(m_pid, &status, 0);
        }
    }
    if (m_stdout >= 0)
        ::close(m_stdout);
    if (m_stderr >= 0)
        ::close(m_stderr);
}

void LineProcess::keepStderrLine(std::string line)
{
    m_errLines.push_back(std::move(line));
    if (m_errLines.size() > kStderrLines)
        m_errLines.pop_front();
}

void LineProcess::readStderr()
{
    if (m_stderr < 0)
        return;
    const bool open = readAvailable(m_stderr, m_errBuffer);
    for (auto end = m_errBuffer.find('\n'); end != std::string::npos;
         end = m_errBuffer.find('\n')) {
        keepStderrLine(m_errBuffer.substr(0, end));
        m_errBuffer.erase(0, end + 1);
    }
    if (!open) {
        if (!m_errBuffer.empty())
            keepStderrLine(std::exchange(m_errBuffer, {}));
        ::close(m_stderr);
        m_stderr = -1;
    }
}

bool LineProcess::readLines(std::vector<std::string>& lines, std::chrono::milliseconds timeout)
{
    if (m_stdout < 0)
        return false;
    std::array<pollfd, 2> fds{pollfd{m_stdout, POLLIN, 0}, pollfd{m_stderr, POLLIN, 0}};
    const int ready = ::poll(fds.data(), m_stderr >= 0 ? 2 : 1, static_cast<int>(timeout.count()));
    if (ready < 0 && errno != EINTR)
        throw Error(std::string("cannot wait for the command's output: ") + std::strerror(errno));
    if (m_stderr >= 0 && fds[1].revents != 0)
        readStderr();
    if (fds[0].revents == 0)
        return true;
    const bool open = readAvailable(m_stdout, m_outBuffer);
    std::size_t start = 0;
    for (auto end = m_outBuffer.find('\n'); end != std::string::npos;
         end = m_outBuffer.find('\n', start)) {
        lines.push_back(m_outBuffer.substr(start, end - start));
        start = end + 1;
    }
    m_outBuffer.erase(0, start);
    if (m_outBuffer.size() > kMaxLineBytes)
        throw Error("the command wrote a line longer than " +
                    std::to_string(kMaxLineBytes >> 20) + " MiB");
    if (open)
        return true;
    if (!m_outBuffer.empty())
        lines.push_back(std::exchange(m_outBuffer, {}));
    ::close(m_stdout);
    m_stdout = -1;
    return false;
}

int LineProcess::wait()
{
    if (m_exited)
        return m_exitCode;
    // Its standard error may still hold the explanation: read it to the end first.
    while (m_stderr >= 0) {
        pollfd fd{m_stderr, POLLIN, 0};
        if (::poll(&fd, 1, 2000) <= 0)
            break; // a grandchild holding stderr open must not hang us
        readStderr();
    }
    int status = 0;
    while (::waitpid(m_pid, &status, 0) < 0) {
        if (errno != EINTR)
            throw Error(std::string("cannot wait for the command: ") + std::strerror(errno));
    }
    m_exited = true;
    m_exitCode = exitCodeOf(status);
    return m_exitCode;
}

void LineProcess::terminate()
{
    if (!m_exited && m_pid > 0)
        ::kill(m_pid, SIGTERM);
}

std::string LineProcess::stderrTail() const
{
    std::string tail;
    for (const auto& line : m_errLines)
        tail += (tail.empty() ? "" : "\n") + line;
    return tail;
}

} // namespace cpo::engine
