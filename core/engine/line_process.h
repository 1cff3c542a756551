#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <vector>

// A child process whose standard output is read as lines, e.g. `ssh HOST cpo runs follow ID`.
// The command is an argument vector handed to posix_spawnp: no shell sees it on this side.
// Its standard error is kept (the last lines) to explain a failure. Standard input is
// /dev/null, so a command that would prompt (a password) fails instead of hanging.
namespace cpo::engine {

class LineProcess {
public:
    // Starts `argv` (argv[0] is looked up on PATH). Throws cpo::Error naming the program when
    // it cannot be started (not found, not executable).
    explicit LineProcess(const std::vector<std::string>& argv);
    // Ends a process still running (SIGTERM, then SIGKILL after a grace period) and reaps it.
    ~LineProcess();
    LineProcess(const LineProcess&) = delete;
    LineProcess& operator=(const LineProcess&) = delete;

    // Waits up to `timeout` for output and appends the complete lines that arrived (without
    // their '\n') to `lines`. False once standard output has closed: the lines of that
    // call (a last one without '\n' included) are still appended. Throws cpo::Error when one line
    // exceeds kMaxLineBytes.
    bool readLines(std::vector<std::string>& lines, std::chrono::milliseconds timeout);
    // Waits for the process to exit; its exit code, or 128 + the signal that killed it.
    int wait();
    // Asks it to end (SIGTERM); wait() reaps it.
    void terminate();
    // The last lines it wrote to standard error (at most kStderrLines), '\n'-separated.
    std::string stderrTail() const;

    static constexpr std::size_t kMaxLineBytes = 256u << 20;
    static constexpr std::size_t kStderrLines = 20;

private:
    void readStderr();
    void keepStderrLine(std::string line);

    pid_t m_pid = -1;
    int m_stdout = -1;
    int m_stderr = -1;
    std::string m_outBuffer;
    std::string m_errBuffer;
    std::deque<std::string> m_errLines;
    bool m_exited = false;
    int m_exitCode = 0;
};

} // namespace cpo::engine
