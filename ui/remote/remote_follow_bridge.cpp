#include "remote/remote_follow_bridge.h"

#include "engine/remote_follow.h"

#include <exception>

namespace cpo::ui {

RemoteFollowBridge::RemoteFollowBridge(const QString& databasePath, QObject* parent)
    : QObject(parent), m_database(databasePath.toStdString())
{
}

RemoteFollowBridge::~RemoteFollowBridge()
{
    // The follow notices within its poll interval and terminates the command; the worker
    // thread's destructor then waits for it.
    m_stop.request_stop();
}

void RemoteFollowBridge::follow(const store::RemoteOrigin& origin, const QString& commandTemplate)
{
    if (m_following.exchange(true)) {
        Q_EMIT failed(tr("A remote run is followed already: stop following it first"));
        return;
    }
    m_stop = std::stop_source();
    const auto name = QStringLiteral("%1 #%2").arg(QString::fromStdString(origin.host)).arg(
        origin.runId);
    m_thread.post([this, origin, name, commandTemplate = commandTemplate.toStdString(),
                   token = m_stop.get_token()] {
        std::int64_t localRunId = 0;
        engine::RemoteFollowListener listener;
        listener.mirrorOpened = [&](std::int64_t id) {
            localRunId = id;
            Q_EMIT mirrorOpened(id, name);
        };
        try {
            const auto result =
                engine::followRemoteRun(m_database, origin, commandTemplate, listener, token);
            m_following = false;
            Q_EMIT followEnded(result.localRunId, result.stopped, {});
        } catch (const std::exception& e) {
            m_following = false;
            Q_EMIT followEnded(localRunId, false, QString::fromUtf8(e.what()));
        }
    });
}

void RemoteFollowBridge::stop() { m_stop.request_stop(); }

} // namespace cpo::ui
