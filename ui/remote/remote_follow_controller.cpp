#include "remote/remote_follow_controller.h"

#include "remote/remote_follow_bridge.h"
#include "remote/remote_follow_dialog.h"

#include <QtCore/QSettings>
#include <QtGui/QAction>
#include <QtWidgets/QMessageBox>

namespace cpo::ui {
namespace {

const QString kHostKey = QStringLiteral("remoteFollow/host");
const QString kDbKey = QStringLiteral("remoteFollow/db");
const QString kTemplateKey = QStringLiteral("remoteFollow/template");

} // namespace

RemoteFollowController::RemoteFollowController(QWidget* window, QAction* follow, QAction* stop,
                                               const QString& database)
    : QObject(window), m_window(window), m_stop(stop),
      m_bridge(new RemoteFollowBridge(database, this))
{
    m_stop->setEnabled(false);
    connect(follow, &QAction::triggered, this, &RemoteFollowController::askAndFollow);
    connect(m_stop, &QAction::triggered, m_bridge, &RemoteFollowBridge::stop);
    connect(m_bridge, &RemoteFollowBridge::mirrorOpened, this,
            [this](qint64 localRunId, const QString& name) {
                Q_EMIT message(tr("Following %1 into run %2 (read-only)").arg(name).arg(localRunId));
                Q_EMIT mirrorOpened(localRunId);
            });
    connect(m_bridge, &RemoteFollowBridge::failed, this, &RemoteFollowController::message);
    connect(m_bridge, &RemoteFollowBridge::followEnded, this,
            [this](qint64 localRunId, bool stopped, const QString& error) {
                m_stop->setEnabled(false);
                if (error.isEmpty()) {
                    Q_EMIT message(stopped ? tr("Stopped following run %1").arg(localRunId)
                                           : tr("Remote run %1 ended").arg(localRunId));
                    return;
                }
                Q_EMIT message(tr("Following the remote run failed: %1").arg(error));
                // Not modal: the window goes on (the mirror so far stays in the store).
                auto* box = new QMessageBox(QMessageBox::Warning, tr("Follow Remote Run"),
                                            error, QMessageBox::Ok, m_window);
                box->setAttribute(Qt::WA_DeleteOnClose);
                box->open();
            });
}

void RemoteFollowController::askAndFollow()
{
    RemoteFollowDialog dialog(m_window);
    QSettings settings;
    dialog.setOrigin({settings.value(kHostKey).toString().toStdString(), 1,
                      settings.value(kDbKey).toString().toStdString()});
    if (const auto saved = settings.value(kTemplateKey).toString(); !saved.isEmpty())
        dialog.setCommandTemplate(saved);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const auto origin = dialog.origin();
    settings.setValue(kHostKey, QString::fromStdString(origin.host));
    settings.setValue(kDbKey, QString::fromStdString(origin.db));
    settings.setValue(kTemplateKey, dialog.commandTemplate());
    m_stop->setEnabled(true);
    m_bridge->follow(origin, dialog.commandTemplate());
}

} // namespace cpo::ui
