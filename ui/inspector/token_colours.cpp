#include "inspector/token_colours.h"

#include <algorithm>
#include <cmath>

namespace cpo::ui {
namespace {

// A log-prob of −8 (p ≈ 0.0003) or less is as unlikely as the scale shows; a difference of
// ±2 nats (a factor of e² ≈ 7) as large.
constexpr double kLowestLogProb = -8.0;
constexpr double kLargestDifference = 2.0;

QColor mix(const QColor& from, const QColor& to, double t)
{
    const auto lerp = [t](int a, int b) {
        return static_cast<int>(std::lround(a + (b - a) * t));
    };
    return QColor(lerp(from.red(), to.red()), lerp(from.green(), to.green()),
                  lerp(from.blue(), to.blue()));
}

} // namespace

ColourScale colourScale(TokenColouring colouring)
{
    switch (colouring) {
    case TokenColouring::PolicyLogProb:
        return {kLowestLogProb, 0.0, QStringLiteral("log π_θ")};
    case TokenColouring::ReferenceLogProb:
        return {kLowestLogProb, 0.0, QStringLiteral("log π_ref")};
    case TokenColouring::Difference:
        break;
    }
    return {-kLargestDifference, kLargestDifference, QStringLiteral("log π_θ − log π_ref")};
}

QColor tokenColour(TokenColouring colouring, double value)
{
    static const QColor pale(248, 248, 240);
    static const QColor red(215, 48, 39);
    static const QColor blue(49, 130, 189);
    if (!std::isfinite(value))
        return value > 0 ? blue : red;
    if (colouring != TokenColouring::Difference)
        return mix(pale, red, std::clamp(value / kLowestLogProb, 0.0, 1.0));
    const double t = std::clamp(value / kLargestDifference, -1.0, 1.0);
    return t < 0 ? mix(pale, red, -t) : mix(pale, blue, t);
}

} // namespace cpo::ui
