#include "engine_bridge.h"

#include "engine/run_host.h"

#include <exception>

namespace cpo::ui {

EngineBridge::EngineBridge(const QString& databasePath, QObject* parent) : QObject(parent)
{
    qRegisterMetaType<engine::RunEvent>();
    qRegisterMetaType<engine::RunSummary>();
    qRegisterMetaType<std::vector<SeriesPoint>>();
    onHostThread([this, path = databasePath.toStdString()] {
        m_host = std::make_unique<engine::RunHost>(path);
        m_host->addListener([this](std::int64_t runId, const engine::RunEvent& event) {
            listen(runId, event);
        });
    });
}

EngineBridge::~EngineBridge()
{
    // The host's destructor stops the active run with a checkpoint and joins its worker;
    // it must run where the host lives, before the thread ends.
    m_thread.runAndWait([this] { m_host.reset(); });
}

template <typename Work>
void EngineBridge::onHostThread(Work work)
{
    m_thread.post([this, work = std::move(work)]() mutable {
        try {
            work();
        } catch (const std::exception& e) {
            Q_EMIT failed(QString::fromUtf8(e.what()));
        }
    });
}

void EngineBridge::start(engine::RunRequest request)
{
    onHostThread([this, request = std::move(request)]() mutable {
        if (!m_host)
            return; // the store could not be opened: `failed` said so
        Q_EMIT runStarted(m_host->start(std::move(request)));
    });
}

void EngineBridge::resume(qint64 runId)
{
    onHostThread([this, runId] {
        if (m_host)
            Q_EMIT runStarted(m_host->startResume(runId));
    });
}

void EngineBridge::steer(void (engine::RunHost::*command)())
{
    onHostThread([this, command] {
        if (m_host)
            (m_host.get()->*command)();
    });
}

void EngineBridge::pause() { steer(&engine::RunHost::pause); }
void EngineBridge::unpause() { steer(&engine::RunHost::unpause); }
void EngineBridge::stop() { steer(&engine::RunHost::stop); }
void EngineBridge::cancel() { steer(&engine::RunHost::cancel); }

void EngineBridge::listen(std::int64_t runId, const engine::RunEvent& event)
{
    Q_EMIT runEvent(runId, event);
    auto points = m_points[runId].points(event);
    if (!points.empty())
        Q_EMIT pointsArrived(runId, points);
    if (const auto* paused = std::get_if<engine::PauseChanged>(&event))
        Q_EMIT pauseChanged(runId, paused->paused);
    if (const auto* finished = std::get_if<engine::RunFinished>(&event)) {
        m_points.erase(runId);
        Q_EMIT runFinished(runId, finished->summary);
    }
}

} // namespace cpo::ui
