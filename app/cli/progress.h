#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace cpo::cli {

// Progress of a phase on stderr: a redrawn bar with rate and ETA on a terminal, plain
// periodic lines otherwise (logs and CI). Never writes to stdout, which carries JSON.
class Progress {
public:
    Progress(std::string label, std::int64_t total);

    // Reports that `done` of `total` units are finished; `detail` is shown after the bar
    // (e.g. "loss 1.83 lr 9.1e-4"). Cheap to call every step: output is rate-limited.
    void update(std::int64_t done, const std::string& detail);
    // Ends the bar's line with a final state.
    void finish(const std::string& detail);

private:
    void draw(std::int64_t done, const std::string& detail, bool final);

    std::string m_label;
    std::int64_t m_total;
    bool m_isTerminal;
    std::chrono::steady_clock::time_point m_start;
    std::chrono::steady_clock::time_point m_lastDraw;
};

// "1h02m", "3m05s", "12s".
std::string formatDuration(double seconds);

} // namespace cpo::cli
