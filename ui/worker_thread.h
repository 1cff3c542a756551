#pragma once

#include "queued_call.h"

#include <QtCore/QObject>
#include <QtCore/QThread>

#include <utility>

namespace cpo::ui {

// A thread of its own for work that must stay off the GUI thread and on one thread (an
// SQLite connection, the run host): callables posted to it run there in order.
class WorkerThread {
public:
    explicit WorkerThread(const QString& name)
    {
        m_context->moveToThread(&m_thread);
        QObject::connect(&m_thread, &QThread::finished, m_context, &QObject::deleteLater);
        m_thread.setObjectName(name);
        m_thread.start();
    }
    // Ends the thread once what was posted has run.
    ~WorkerThread()
    {
        m_thread.quit();
        m_thread.wait();
    }
    WorkerThread(const WorkerThread&) = delete;
    WorkerThread& operator=(const WorkerThread&) = delete;

    template <typename Work>
    void post(Work&& work)
    {
        m_context->post(std::forward<Work>(work));
    }
    // Runs `work` on the thread and waits for it (teardown of what lives there).
    template <typename Work>
    void runAndWait(Work&& work)
    {
        m_context->postAndWait(std::forward<Work>(work));
    }

private:
    QThread m_thread;
    // Lives on m_thread; deleted when it finishes. Its queued calls are visible to TSan.
    QueuedCallReceiver* m_context = new QueuedCallReceiver;
};

} // namespace cpo::ui
