#pragma once

#include <QtGui/QPalette>

class QApplication;

namespace cpo::ui {

enum class ColorScheme { Light, Dark };

// Whether the desktop is dark, judged by its window background (Qt 6.4 has no
// QStyleHints::colorScheme): a dark desktop gets the dark palette.
ColorScheme colorSchemeOf(const QPalette& desktop);

// The app's palettes: Fusion's roles, with a muted blue highlight in both.
QPalette studioPalette(ColorScheme scheme);

// Fusion style, the palette that follows the desktop's (CPO_STUDIO_THEME=light|dark chooses
// one), and the application icon.
void applyTheme(QApplication& app);

} // namespace cpo::ui
