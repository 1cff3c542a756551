#include "theme.h"

#include <QtGui/QIcon>
#include <QtWidgets/QApplication>
#include <QtWidgets/QStyleFactory>

namespace cpo::ui {
namespace {

constexpr int kDarkBelowLightness = 128;

} // namespace

ColorScheme colorSchemeOf(const QPalette& desktop)
{
    return desktop.color(QPalette::Window).lightness() < kDarkBelowLightness ? ColorScheme::Dark
                                                                             : ColorScheme::Light;
}

QPalette studioPalette(ColorScheme scheme)
{
    QPalette p;
    const bool dark = scheme == ColorScheme::Dark;
    const QColor window = dark ? QColor(0x2b, 0x2d, 0x31) : QColor(0xef, 0xf0, 0xf1);
    const QColor base = dark ? QColor(0x1e, 0x1f, 0x22) : QColor(0xff, 0xff, 0xff);
    const QColor text = dark ? QColor(0xe6, 0xe6, 0xe6) : QColor(0x23, 0x26, 0x29);
    const QColor button = dark ? QColor(0x35, 0x37, 0x3c) : QColor(0xf6, 0xf7, 0xf8);
    const QColor highlight(0x3d, 0x7a, 0xc6);
    const QColor disabled = dark ? QColor(0x80, 0x80, 0x80) : QColor(0xa0, 0xa0, 0xa0);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, dark ? window : QColor(0xf5, 0xf6, 0xf7));
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, button);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(0xff, 0x55, 0x55));
    p.setColor(QPalette::Link, dark ? QColor(0x6c, 0xa8, 0xf0) : highlight);
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, QColor(0xff, 0xff, 0xff));
    p.setColor(QPalette::Light, dark ? QColor(0x45, 0x47, 0x4d) : QColor(0xff, 0xff, 0xff));
    p.setColor(QPalette::Midlight, dark ? QColor(0x3a, 0x3c, 0x41) : QColor(0xe3, 0xe5, 0xe7));
    p.setColor(QPalette::Mid, dark ? QColor(0x25, 0x26, 0x29) : QColor(0xb8, 0xbb, 0xbe));
    p.setColor(QPalette::Dark, dark ? QColor(0x18, 0x19, 0x1b) : QColor(0x9f, 0xa2, 0xa5));
    p.setColor(QPalette::Shadow, QColor(0x00, 0x00, 0x00));
    for (const auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, disabled);
    return p;
}

void applyTheme(QApplication& app)
{
    const QPalette desktop = QApplication::palette();
    const QByteArray forced = qgetenv("CPO_STUDIO_THEME");
    ColorScheme scheme = colorSchemeOf(desktop);
    if (forced == "dark")
        scheme = ColorScheme::Dark;
    else if (forced == "light")
        scheme = ColorScheme::Light;
    if (auto* fusion = QStyleFactory::create(QStringLiteral("Fusion")))
        QApplication::setStyle(fusion);
    QApplication::setPalette(studioPalette(scheme));
    QIcon icon;
    for (const int size : {16, 32, 48, 64, 128, 256})
        icon.addFile(QStringLiteral(":/icons/cpo-studio-%1.png").arg(size), QSize(size, size));
    app.setWindowIcon(icon);
}

} // namespace cpo::ui
