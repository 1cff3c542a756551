#pragma once

#include <QtWidgets/QPlainTextEdit>

namespace cpo::ui {

// The log panel: what the engine and the app log (connect LogRelay::line to appendLine),
// newest last, warnings and errors coloured, the oldest lines dropped past a limit.
class LogView : public QPlainTextEdit {
    Q_OBJECT

public:
    static constexpr int kMaxLines = 5000;

    explicit LogView(QWidget* parent = nullptr);

public Q_SLOTS:
    void appendLine(const QString& level, const QString& text);
};

} // namespace cpo::ui
