#pragma once

#include "store/records.h"
#include "worker_thread.h"

#include <QtCore/QObject>
#include <QtCore/QString>

#include <atomic>
#include <memory>
#include <stop_token>

namespace cpo::ui {

// The window's handle on a remote run it follows (engine/remote_follow.h): the follow runs on
// a thread of its own, which it occupies until the run ends or Stop Following, so the GUI
// thread never waits on ssh or the store. Signals carry plain values, queued to the GUI.
class RemoteFollowBridge : public QObject {
    Q_OBJECT

public:
    explicit RemoteFollowBridge(const QString& databasePath, QObject* parent = nullptr);
    // Stops a follow in progress and waits for it (at most a few seconds).
    ~RemoteFollowBridge() override;

    // Starts following `origin` through `commandTemplate`; mirrorOpened, then followEnded.
    // The mirrored rows reach the views through the store, as a run of another process does. One follow at a time: while one is active, `failed` says so.
    void follow(const store::RemoteOrigin& origin, const QString& commandTemplate);
    bool isFollowing() const { return m_following.load(); }

public Q_SLOTS:
    void stop();

Q_SIGNALS:
    void mirrorOpened(qint64 localRunId, const QString& name);
    // `error` is empty when the run ended or the follow was stopped.
    void followEnded(qint64 localRunId, bool stopped, const QString& error);
    void failed(const QString& message);

private:
    std::string m_database;
    std::atomic<bool> m_following{false};
    std::stop_source m_stop; // the GUI thread's: replaced per follow
    WorkerThread m_thread{QStringLiteral("remote follow")};
};

} // namespace cpo::ui
