#include "inspector/token_view.h"

#include <QtGui/QHelpEvent>
#include <QtGui/QPainter>
#include <QtWidgets/QToolTip>

#include <algorithm>

namespace cpo::ui {
namespace {

constexpr int kPadding = 2; // around each token's text
constexpr int kGap = 1;     // between tokens
constexpr int kMargin = 4;

// Spaces and line ends made visible, so a token that is only white space still has a box.
QString visiblePiece(const QString& piece)
{
    QString shown = piece;
    shown.replace(QLatin1Char('\n'), QStringLiteral("↵"));
    shown.replace(QLatin1Char('\t'), QStringLiteral("→"));
    if (shown.isEmpty())
        return QStringLiteral("∅");
    if (shown.trimmed().isEmpty())
        shown.replace(QLatin1Char(' '), QStringLiteral("·"));
    return shown;
}

} // namespace

TokenView::TokenView(QWidget* parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    setMouseTracking(true);
}

void TokenView::setCandidate(const store::CandidateRecord& candidate,
                             std::vector<QString> pieces, engine::CandidateMarks marks)
{
    m_ids = candidate.tokenIds;
    m_logpTheta = candidate.logpTheta;
    m_logpRef = candidate.logpRef;
    m_pieces.clear();
    m_pieces.reserve(m_ids.size());
    for (std::size_t t = 0; t < m_ids.size(); ++t)
        m_pieces.push_back(t < pieces.size() ? visiblePiece(pieces[t])
                                             : QString::number(m_ids[t]));
    const QFontMetrics metrics(font());
    m_widths.clear();
    m_breaks.clear();
    for (const auto& piece : m_pieces) {
        m_widths.push_back(metrics.horizontalAdvance(piece) + 2 * kPadding);
        m_breaks.push_back(piece.endsWith(QStringLiteral("↵")));
    }
    m_heightFor = {-1, 0};
    m_marks = std::move(marks);
    m_replaced.assign(m_ids.size(), false);
    for (const auto position : m_marks.replaced)
        if (position < m_replaced.size())
            m_replaced[position] = true;
    layoutTokens(width(), &m_rects);
    updateGeometry();
    update();
}

void TokenView::setColouring(TokenColouring colouring)
{
    m_colouring = colouring;
    update();
}

std::optional<double> TokenView::valueOf(int token) const
{
    const auto t = static_cast<std::size_t>(token);
    const bool hasTheta = t < m_logpTheta.size();
    const bool hasRef = t < m_logpRef.size();
    switch (m_colouring) {
    case TokenColouring::PolicyLogProb:
        return hasTheta ? std::optional<double>(m_logpTheta[t]) : std::nullopt;
    case TokenColouring::ReferenceLogProb:
        return hasRef ? std::optional<double>(m_logpRef[t]) : std::nullopt;
    case TokenColouring::Difference:
        break;
    }
    if (!hasTheta || !hasRef)
        return std::nullopt;
    return static_cast<double>(m_logpTheta[t]) - static_cast<double>(m_logpRef[t]);
}

std::optional<QColor> TokenView::tokenColour(int token) const
{
    if (const auto value = valueOf(token))
        return ui::tokenColour(m_colouring, *value);
    return std::nullopt;
}

QString TokenView::tokenToolTip(int token) const
{
    const auto t = static_cast<std::size_t>(token);
    if (t >= m_ids.size())
        return {};
    const auto shown = [](const std::vector<float>& values, std::size_t i) {
        return i < values.size() ? QString::number(values[i], 'f', 3) : QStringLiteral("—");
    };
    QString difference = QStringLiteral("—");
    if (t < m_logpTheta.size() && t < m_logpRef.size())
        difference = QString::number(static_cast<double>(m_logpTheta[t]) - m_logpRef[t], 'f', 3);
    QString text = tr("%1\nid %2\nlog π_θ %3\nlog π_ref %4\nlog π_θ − log π_ref %5")
                       .arg(m_pieces[t])
                       .arg(m_ids[t])
                       .arg(shown(m_logpTheta, t), shown(m_logpRef, t), difference);
    if (m_replaced[t])
        text += tr("\nreplaced by MN");
    if (m_marks.cut == t)
        text += tr("\nTN cut y1 here");
    return text;
}

int TokenView::layoutTokens(int width, std::vector<QRect>* rects) const
{
    const QFontMetrics metrics(font());
    const int lineHeight = metrics.height() + 2 * kPadding;
    const int right = std::max(width - kMargin, kMargin + 40);
    int x = kMargin;
    int y = kMargin;
    if (rects)
        rects->clear();
    for (std::size_t t = 0; t < m_pieces.size(); ++t) {
        const int w = m_widths[t];
        if (x + w > right && x > kMargin) {
            x = kMargin;
            y += lineHeight + kGap;
        }
        if (rects)
            rects->emplace_back(x, y, w, lineHeight);
        x += w + kGap;
        if (m_breaks[t]) { // the text breaks the line here too
            x = kMargin;
            y += lineHeight + kGap;
        }
    }
    return y + lineHeight + kMargin;
}

int TokenView::heightForWidth(int width) const
{
    if (m_heightFor.first != width)
        m_heightFor = {width, layoutTokens(width, nullptr)};
    return m_heightFor.second;
}

QSize TokenView::sizeHint() const { return {280, heightForWidth(280)}; }

int TokenView::tokenAt(const QPoint& point) const
{
    for (std::size_t t = 0; t < m_rects.size(); ++t)
        if (m_rects[t].contains(point))
            return static_cast<int>(t);
    return -1;
}

void TokenView::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    layoutTokens(width(), &m_rects);
}

bool TokenView::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        const auto* help = static_cast<QHelpEvent*>(event);
        const int token = tokenAt(help->pos());
        if (token >= 0)
            QToolTip::showText(help->globalPos(), tokenToolTip(token), this,
                               m_rects[static_cast<std::size_t>(token)]);
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

void TokenView::paintEvent(QPaintEvent* event)
{
    QPainter painter(this);
    const QRect exposed = event->rect();
    const QColor unscored = palette().color(QPalette::AlternateBase);
    const QColor ink(30, 30, 30);
    const QPen replacedPen(QColor(120, 0, 160), 2);
    const QPen cutPen(QColor(20, 20, 20), 3);
    for (std::size_t t = 0; t < m_rects.size(); ++t) {
        const QRect& rect = m_rects[t];
        if (!rect.intersects(exposed))
            continue;
        const auto colour = tokenColour(static_cast<int>(t));
        painter.fillRect(rect, colour.value_or(unscored));
        painter.setPen(colour ? ink : palette().color(QPalette::Text));
        painter.drawText(rect, Qt::AlignCenter, m_pieces[t]);
        if (m_replaced[t]) {
            painter.setPen(replacedPen);
            painter.drawLine(rect.bottomLeft(), rect.bottomRight());
            painter.drawLine(rect.topLeft(), rect.topRight());
        }
        if (m_marks.cut == t) {
            painter.setPen(cutPen);
            painter.drawLine(rect.left() - 1, rect.top() - 2, rect.left() - 1, rect.bottom() + 2);
        }
    }
}

} // namespace cpo::ui
