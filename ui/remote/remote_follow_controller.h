#pragma once

#include <QtCore/QObject>
#include <QtCore/QString>

class QAction;
class QWidget;

namespace cpo::ui {

class RemoteFollowBridge;

// File → Follow Remote Run… and Stop Following: asks for the run in RemoteFollowDialog (the
// last host, store and template remembered with QSettings), follows it through
// RemoteFollowBridge and reports how it went: a failure in a message box with the command's
// own words, the rest as messages for the status bar.
class RemoteFollowController : public QObject {
    Q_OBJECT

public:
    RemoteFollowController(QWidget* window, QAction* follow, QAction* stop,
                           const QString& database);

Q_SIGNALS:
    // The local run the remote one is mirrored into: select it to watch it live.
    void mirrorOpened(qint64 localRunId);
    void message(const QString& text);

private:
    void askAndFollow();

    QWidget* m_window;
    QAction* m_stop;
    RemoteFollowBridge* m_bridge; // owned (QObject child)
};

} // namespace cpo::ui
