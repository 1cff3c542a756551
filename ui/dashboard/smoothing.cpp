#include "dashboard/smoothing.h"

#include <algorithm>
#include <cmath>

namespace cpo::ui {

Smoother::Smoother(SmoothingSettings settings) : m_settings(settings) {}

double Smoother::push(double value)
{
    if (!std::isfinite(value))
        return value;
    switch (m_settings.kind) {
    case SmoothingKind::None:
        return value;
    case SmoothingKind::Ema: {
        const double w = m_settings.emaWeight;
        m_biased = w * m_biased + (1.0 - w) * value;
        m_weightPower *= w;
        return m_biased / (1.0 - m_weightPower);
    }
    case SmoothingKind::MovingAverage: {
        m_window.push_back(value);
        m_windowSum += value;
        if (m_window.size() > std::max<std::size_t>(m_settings.window, 1)) {
            m_windowSum -= m_window.front();
            m_window.pop_front();
        }
        return m_windowSum / static_cast<double>(m_window.size());
    }
    }
    return value;
}

std::vector<double> smoothed(const std::vector<double>& values, SmoothingSettings settings)
{
    Smoother smoother(settings);
    std::vector<double> out;
    out.reserve(values.size());
    for (const double value : values)
        out.push_back(smoother.push(value));
    return out;
}

} // namespace cpo::ui
