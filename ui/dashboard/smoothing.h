#pragma once

#include <cstddef>
#include <deque>
#include <vector>

namespace cpo::ui {

enum class SmoothingKind { None, Ema, MovingAverage };

struct SmoothingSettings {
    SmoothingKind kind = SmoothingKind::Ema;
    double emaWeight = 0.9;        // weight of the past in [0, 1): 0 = no smoothing
    std::size_t window = 25;       // points averaged by the moving average
};

// Smooths a series one point at a time, so a live curve's smoothed copy grows with it in
// O(1) per point. Non-finite inputs (a diverged loss) pass through as they are and do not
// enter the average, so one NaN does not erase the rest of the curve.
class Smoother {
public:
    explicit Smoother(SmoothingSettings settings = {});
    double push(double value);

private:
    SmoothingSettings m_settings;
    // EMA with bias correction (as in Adam and TensorBoard): the average starts at 0 and is
    // divided by 1 − w^n, so the first points are not dragged towards zero.
    double m_biased = 0.0;
    double m_weightPower = 1.0; // w^n
    std::deque<double> m_window;
    double m_windowSum = 0.0;
};

// The whole series smoothed, as Smoother would give it point by point.
std::vector<double> smoothed(const std::vector<double>& values, SmoothingSettings settings);

} // namespace cpo::ui
