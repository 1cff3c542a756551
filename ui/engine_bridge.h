#pragma once

#include "dashboard/run_event_points.h"
#include "engine/run_events.h"
#include "worker_thread.h"

#include <QtCore/QMetaType>
#include <QtCore/QObject>
#include <QtCore/QString>

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

namespace cpo::engine {
class RunHost;
struct RunRequest;
} // namespace cpo::engine

namespace cpo::ui {

// The window's handle on the engine: it owns an engine::RunHost (the store's one writer
// connection) on a thread of its own, so no SQLite write or engine call ever blocks the GUI
// thread, and turns what the host's listener hears into signals carrying plain values,
// delivered queued to the GUI thread. The run itself trains on the host's worker thread.
class EngineBridge : public QObject {
    Q_OBJECT

public:
    explicit EngineBridge(const QString& databasePath, QObject* parent = nullptr);
    // Stops an active run with a checkpoint and waits for it.
    ~EngineBridge() override;

    // Starts a run of `request` (its row is created first); runStarted or failed follows.
    void start(engine::RunRequest request);

public Q_SLOTS:
    void resume(qint64 runId); // an interrupted run, from its last checkpoint
    void pause();
    void unpause();
    void stop();   // finishes the step, checkpoints, ends the run (resumable)
    void cancel(); // ends the run after its step, without a checkpoint

Q_SIGNALS:
    void runStarted(qint64 runId);
    // Every event of the run, after the store recorded it.
    void runEvent(qint64 runId, const cpo::engine::RunEvent& event);
    // The same events as series points for the dashboard (converted off the GUI thread).
    void pointsArrived(qint64 runId, const std::vector<cpo::ui::SeriesPoint>& points);
    void pauseChanged(qint64 runId, bool paused);
    void runFinished(qint64 runId, const cpo::engine::RunSummary& summary);
    // A run could not start or resume (another run is active, an invalid request, a store
    // that cannot be opened): the message names what and why.
    void failed(const QString& message);

private:
    // Runs `work` on the bridge's thread, where the host lives; failures become `failed`.
    template <typename Work>
    void onHostThread(Work work);
    void steer(void (engine::RunHost::*command)()); // pause, unpause, stop, cancel
    void listen(std::int64_t runId, const engine::RunEvent& event); // the engine thread

    std::unique_ptr<engine::RunHost> m_host; // created, used and destroyed on m_thread
    std::map<std::int64_t, RunEventPoints> m_points; // the engine thread's alone
    WorkerThread m_thread{QStringLiteral("engine bridge")};
};

} // namespace cpo::ui

Q_DECLARE_METATYPE(cpo::engine::RunEvent)
Q_DECLARE_METATYPE(cpo::engine::RunSummary)
Q_DECLARE_METATYPE(std::vector<cpo::ui::SeriesPoint>)
