#pragma once

#include <QtCore/QString>
#include <QtGui/QColor>

namespace cpo::ui {

// What the inspector colours each token by.
enum class TokenColouring { PolicyLogProb, ReferenceLogProb, Difference };

// The legend's ends: values beyond them take the end colours.
struct ColourScale {
    double low = 0.0;
    double high = 0.0;
    QString title;
};

ColourScale colourScale(TokenColouring colouring);

// Log-probs on a sequential scale (likely tokens pale, unlikely ones saturated red), the
// difference log π_θ − log π_ref on a diverging one (red: θ likes it less than the reference,
// blue: more, white: unchanged).
QColor tokenColour(TokenColouring colouring, double value);

} // namespace cpo::ui
