#include "local_launcher.h"

#include "util/error.h"
#include "util/log.h"
#include "util/wait_status.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace cpo::cli {
namespace {

// This process's own arguments, as the kernel recorded them.
std::vector<std::string> ownArguments()
{
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> arguments;
    std::string current;
    for (const char c : raw) {
        if (c == '\0') {
            arguments.push_back(current);
            current.clear();
        } else {
            current += c;
        }
    }
    if (arguments.empty())
        throw Error("cannot read /proc/self/cmdline to start the ranks");
    return arguments;
}

// The arguments without --nproc and its value: a rank runs the command itself.
std::vector<std::string> withoutNproc(const std::vector<std::string>& arguments)
{
    std::vector<std::string> kept;
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        if (arguments[i] == "--nproc") {
            ++i;
            continue;
        }
        if (arguments[i].rfind("--nproc=", 0) == 0)
            continue;
        kept.push_back(arguments[i]);
    }
    return kept;
}

// A TCP port on the loopback that nothing listens on now (the kernel's pick).
int freePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        throw Error("cannot open a socket to find a free port for the ranks' rendezvous");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    ::close(fd);
    if (!ok)
        throw Error("cannot find a free port on 127.0.0.1 for the ranks' rendezvous");
    return ntohs(address.sin_port);
}

// This process's environment with the rank's variables set (built before fork: the child
// only calls execve, which is safe in a copy of a threaded process).
std::vector<std::string> rankEnvironment(int rank, int nproc, int port)
{
    const std::vector<std::pair<std::string, std::string>> set{
        {"RANK", std::to_string(rank)},        {"LOCAL_RANK", std::to_string(rank)},
        {"WORLD_SIZE", std::to_string(nproc)}, {"LOCAL_WORLD_SIZE", std::to_string(nproc)},
        {"MASTER_ADDR", "127.0.0.1"},          {"MASTER_PORT", std::to_string(port)}};
    std::vector<std::string> environment;
    for (char** entry = environ; *entry; ++entry) {
        const std::string text(*entry);
        const auto name = text.substr(0, text.find('='));
        bool replaced = false;
        for (const auto& [key, value] : set)
            replaced = replaced || key == name;
        if (!replaced)
            environment.push_back(text);
    }
    for (const auto& [key, value] : set)
        environment.push_back(key + "=" + value);
    return environment;
}

std::vector<char*> pointers(const std::vector<std::string>& texts)
{
    std::vector<char*> result;
    for (const auto& text : texts)
        result.push_back(const_cast<char*>(text.c_str()));
    result.push_back(nullptr);
    return result;
}

pid_t startRank(const std::vector<std::string>& arguments, int rank, int nproc, int port)
{
    const auto environment = rankEnvironment(rank, nproc, port);
    auto argv = pointers(arguments);
    auto envp = pointers(environment);
    const pid_t pid = ::fork();
    if (pid < 0)
        throw Error("cannot start rank " + std::to_string(rank) + ": fork failed");
    if (pid == 0) {
        ::execve("/proc/self/exe", argv.data(), envp.data());
        ::_exit(127);
    }
    return pid;
}

std::string describeStatus(int status)
{
    if (WIFEXITED(status))
        return "exited with status " + std::to_string(WEXITSTATUS(status));
    return "was killed by signal " + std::to_string(WTERMSIG(status));
}

} // namespace

int launchLocalRanks(int nproc, std::chrono::seconds timeout)
{
    auto logger = log::get("dist");
    const auto arguments = withoutNproc(ownArguments());
    const int port = freePort();
    logger->info("starting {} ranks on 127.0.0.1:{}", nproc, port);
    std::vector<pid_t> pids;
    for (int rank = 0; rank < nproc; ++rank)
        pids.push_back(startRank(arguments, rank, nproc, port));
    // Ctrl+C is for the ranks (rank 0 stops the run); the launcher waits for them.
    std::signal(SIGINT, SIG_IGN);

    std::vector<std::optional<int>> statuses(static_cast<std::size_t>(nproc));
    std::optional<std::chrono::steady_clock::time_point> deadline;
    int running = nproc;
    while (running > 0) {
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid > 0) {
            for (std::size_t r = 0; r < pids.size(); ++r) {
                if (pids[r] != pid)
                    continue;
                statuses[r] = status;
                --running;
                if (exitCodeOf(status) != 0 && exitCodeOf(status) != 130 && !deadline) {
                    logger->error("rank {} {}; the other ranks stop on their own (within the "
                                  "{} s timeout) or are killed after {} s",
                                  r, describeStatus(status), timeout.count(),
                                  timeout.count() + 30);
                    deadline = std::chrono::steady_clock::now() + timeout +
                               std::chrono::seconds(30);
                }
            }
            continue;
        }
        if (deadline && std::chrono::steady_clock::now() > *deadline) {
            for (std::size_t r = 0; r < pids.size(); ++r)
                if (!statuses[r]) {
                    logger->error("rank {} still runs; killing it", r);
                    ::kill(pids[r], SIGKILL);
                }
            deadline = std::chrono::steady_clock::now() + std::chrono::hours(1);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::signal(SIGINT, SIG_DFL);
    const int first = exitCodeOf(*statuses[0]);
    if (first != 0)
        return first;
    for (const auto& status : statuses)
        if (exitCodeOf(*status) != 0)
            return exitCodeOf(*status);
    return 0;
}

} // namespace cpo::cli
