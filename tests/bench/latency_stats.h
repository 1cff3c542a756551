#pragma once

#include <algorithm>
#include <vector>

// Percentiles of a set of durations, for the GUI benchmarks' printed figures.
struct LatencyStats {
    double p50 = 0.0;
    double p99 = 0.0;
    double max = 0.0;
};

inline LatencyStats latencyStats(std::vector<double> samples)
{
    if (samples.empty())
        return {};
    std::sort(samples.begin(), samples.end());
    const auto at = [&](double q) {
        return samples[static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1))];
    };
    return {at(0.50), at(0.99), samples.back()};
}
