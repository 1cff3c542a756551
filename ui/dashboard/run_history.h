#pragma once

#include <QtCore/QHash>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace cpo::ui {

enum class XAxis { Step, Tokens, WallTime };

// Every series of one run as it arrived (the dashboard redraws from here when the x axis or
// the smoothing changes, and exports it as CSV), and where each point lies on each x axis.
//
// Phases run one after another (mle, then cpo), each counting its steps, tokens and seconds
// from zero; on the dashboard's x axis a phase starts where the phases before it ended.
// Tokens and wall time come from two clock series per phase, "PHASE/tokens" (cumulative
// tokens) and "PHASE/elapsed_s" (seconds since the phase began), appended like any other.
class RunHistory {
public:
    struct Series {
        std::vector<std::int64_t> steps;
        std::vector<double> values;
    };

    // True when the points appended moved points already placed (an earlier phase grew
    // after a later one began): the run's curves must be redrawn from here.
    bool append(const QString& key, std::span<const std::int64_t> steps,
                std::span<const double> values);

    const Series* series(const QString& key) const;
    QStringList keys() const; // sorted

    // Where the point of `key` at `step` lies on `axis`; nullopt when the clock of its phase
    // has not reached that step yet.
    std::optional<double> x(const QString& key, std::int64_t step, XAxis axis) const;

    static QString tokensKey(const QString& phase);
    static QString elapsedKey(const QString& phase);
    static bool isClockKey(const QString& key);

private:
    struct Phase {
        QString name;
        std::int64_t lastStep = 0;
    };
    double extent(const Phase& phase, XAxis axis) const;
    double offset(const QString& phase, XAxis axis) const;
    int phaseRank(const QString& phase) const;

    QHash<QString, Series> m_series;
    std::vector<Phase> m_phases; // in run order: mle, cpo, then others as they appear
};

} // namespace cpo::ui
