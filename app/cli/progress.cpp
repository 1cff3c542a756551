#include "progress.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace cpo::cli {
namespace {

constexpr int kBarWidth = 28;
constexpr auto kTerminalRedraw = std::chrono::milliseconds(100);
constexpr auto kPlainInterval = std::chrono::seconds(10);

} // namespace

std::string formatDuration(double seconds)
{
    const auto total = static_cast<long long>(seconds + 0.5);
    char text[32];
    if (total >= 3600)
        std::snprintf(text, sizeof text, "%lldh%02lldm", total / 3600, total % 3600 / 60);
    else if (total >= 60)
        std::snprintf(text, sizeof text, "%lldm%02llds", total / 60, total % 60);
    else
        std::snprintf(text, sizeof text, "%llds", total);
    return text;
}

Progress::Progress(std::string label, std::int64_t total)
    : m_label(std::move(label)),
      m_total(total),
      m_isTerminal(::isatty(STDERR_FILENO) == 1),
      m_start(std::chrono::steady_clock::now()),
      m_lastDraw(m_start)
{
}

void Progress::update(std::int64_t done, const std::string& detail)
{
    const auto now = std::chrono::steady_clock::now();
    const auto interval = m_isTerminal ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                             kTerminalRedraw)
                                       : std::chrono::duration_cast<std::chrono::milliseconds>(
                                             kPlainInterval);
    if (now - m_lastDraw < interval && done < m_total)
        return;
    m_lastDraw = now;
    draw(done, detail, false);
}

void Progress::finish(const std::string& detail) { draw(m_total, detail, true); }

void Progress::draw(std::int64_t done, const std::string& detail, bool final)
{
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    const double fraction = m_total > 0 ? static_cast<double>(done) / m_total : 1.0;
    const double rate = elapsed > 0 ? done / elapsed : 0.0;
    const double remaining = rate > 0 ? (m_total - done) / rate : 0.0;
    const std::string timing = final ? "in " + formatDuration(elapsed)
                                     : "ETA " + formatDuration(remaining);
    char counts[96];
    std::snprintf(counts, sizeof counts, "%lld/%lld %.1f/s %s", static_cast<long long>(done),
                  static_cast<long long>(m_total), rate, timing.c_str());
    if (!m_isTerminal) {
        std::cerr << m_label << ": " << counts << "  " << detail << '\n';
        return;
    }
    const int filled = static_cast<int>(fraction * kBarWidth);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kBarWidth, '.');
    std::cerr << "\r\033[K" << m_label << " [" << bar << "] " << counts << "  " << detail
              << (final ? "\n" : "") << std::flush;
}

} // namespace cpo::cli
