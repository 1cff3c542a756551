#include "log_view.h"

#include <QtGui/QTextCharFormat>
#include <QtWidgets/QScrollBar>

namespace cpo::ui {

LogView::LogView(QWidget* parent) : QPlainTextEdit(parent)
{
    setReadOnly(true);
    setMaximumBlockCount(kMaxLines);
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setFont(QFont(QStringLiteral("monospace")));
    setObjectName(QStringLiteral("log"));
    setPlaceholderText(tr("What the engine logs appears here."));
}

void LogView::appendLine(const QString& level, const QString& text)
{
    QTextCharFormat format;
    if (level == QLatin1String("warning"))
        format.setForeground(QColor(0xd0, 0x8c, 0x00));
    else if (level == QLatin1String("error") || level == QLatin1String("critical"))
        format.setForeground(QColor(0xe1, 0x57, 0x59));
    else
        format.setForeground(palette().color(QPalette::Text));
    QTextCursor cursor(document());
    cursor.movePosition(QTextCursor::End);
    if (!document()->isEmpty())
        cursor.insertBlock();
    cursor.insertText(text, format);
    ensureCursorVisible();
    if (verticalScrollBar())
        verticalScrollBar()->setValue(verticalScrollBar()->maximum());
}

} // namespace cpo::ui
