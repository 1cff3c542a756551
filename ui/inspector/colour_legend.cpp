#include "inspector/colour_legend.h"

#include <QtGui/QLinearGradient>
#include <QtGui/QPainter>

namespace cpo::ui {
namespace {

constexpr int kBarWidth = 160;
constexpr int kStops = 16;

} // namespace

ColourLegend::ColourLegend(QWidget* parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Minimum, QSizePolicy::Fixed);
}

void ColourLegend::setColouring(TokenColouring colouring)
{
    m_colouring = colouring;
    update();
}

QSize ColourLegend::sizeHint() const
{
    const QFontMetrics metrics(font());
    return {kBarWidth + metrics.horizontalAdvance(QStringLiteral("0000 log π_θ − log π_ref  "))
                + 200,
            metrics.height() + 8};
}

void ColourLegend::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    const QFontMetrics metrics(font());
    const ColourScale scale = colourScale(m_colouring);
    const int h = metrics.height();
    int x = 0;
    const QString low = QString::number(scale.low, 'f', 0);
    painter.setPen(palette().color(QPalette::Text));
    painter.drawText(QRect(x, 2, metrics.horizontalAdvance(low) + 4, h), Qt::AlignLeft, low);
    x += metrics.horizontalAdvance(low) + 6;
    QLinearGradient gradient(x, 0, x + kBarWidth, 0);
    for (int i = 0; i <= kStops; ++i) {
        const double t = static_cast<double>(i) / kStops;
        gradient.setColorAt(t, tokenColour(m_colouring, scale.low + t * (scale.high - scale.low)));
    }
    painter.fillRect(QRect(x, 3, kBarWidth, h - 2), gradient);
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawRect(QRect(x, 3, kBarWidth, h - 2));
    x += kBarWidth + 6;
    painter.setPen(palette().color(QPalette::Text));
    const QString high = QString::number(scale.high, 'f', 0) + QStringLiteral("  ") + scale.title;
    painter.drawText(QRect(x, 2, metrics.horizontalAdvance(high) + 4, h), Qt::AlignLeft, high);
    x += metrics.horizontalAdvance(high) + 24;
    // The marks, as TokenView draws them.
    painter.setPen(QPen(QColor(120, 0, 160), 2));
    painter.drawLine(x, 3, x + 18, 3);
    painter.drawLine(x, h + 1, x + 18, h + 1);
    painter.setPen(palette().color(QPalette::Text));
    const QString replaced = tr("MN replaced");
    painter.drawText(QRect(x + 24, 2, metrics.horizontalAdvance(replaced) + 4, h), Qt::AlignLeft,
                     replaced);
    x += 24 + metrics.horizontalAdvance(replaced) + 20;
    painter.setPen(QPen(QColor(20, 20, 20), 3));
    painter.drawLine(x, 1, x, h + 3);
    painter.setPen(palette().color(QPalette::Text));
    const QString cut = tr("TN cut");
    painter.drawText(QRect(x + 8, 2, metrics.horizontalAdvance(cut) + 4, h), Qt::AlignLeft, cut);
}

} // namespace cpo::ui
