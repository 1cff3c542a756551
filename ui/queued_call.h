#pragma once

#include <QtCore/QCoreApplication>
#include <QtCore/QEvent>
#include <QtCore/QObject>

#include <condition_variable>
#include <mutex>
#include <type_traits>
#include <utility>

// Qt's queued calls order what the posting thread did before the call with what the call
// does on the receiving thread, but ThreadSanitizer cannot see that ordering: Debian's Qt is
// not instrumented, and its QMutex waits on futexes TSan does not intercept, so every value
// handed over through QMetaObject::invokeMethod is a reported race. A QueuedCallReceiver
// takes work as an event of our own instead: the event is built whole before it is posted,
// and in a ThreadSanitizer build (the `tsan` preset) a release/acquire pair on it states the
// ordering Qt gives. Elsewhere the annotations compile to nothing.
#if defined(__SANITIZE_THREAD__)
#define CPO_ANNOTATE_FOR_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CPO_ANNOTATE_FOR_TSAN 1
#endif
#endif

#ifdef CPO_ANNOTATE_FOR_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace cpo::ui {

namespace detail {

inline void handOver([[maybe_unused]] void* point)
{
#ifdef CPO_ANNOTATE_FOR_TSAN
    __tsan_release(point);
#endif
}

inline void takeOver([[maybe_unused]] void* point)
{
#ifdef CPO_ANNOTATE_FOR_TSAN
    __tsan_acquire(point);
#endif
}

class QueuedWork : public QEvent {
public:
    static constexpr QEvent::Type kType = QEvent::Type(QEvent::User + 0x5151);
    QueuedWork() : QEvent(kType) {}
    virtual void run() = 0;
};

template <typename Work>
class QueuedWorkOf final : public QueuedWork {
public:
    explicit QueuedWorkOf(Work work) : m_work(std::move(work)) {}
    void run() override { m_work(); }

private:
    Work m_work;
};

} // namespace detail

// A QObject that runs the work posted to it on its own thread, in the order posted.
class QueuedCallReceiver : public QObject {
public:
    // Runs `work` later on this object's thread.
    template <typename Work>
    void post(Work&& work)
    {
        auto* event = new detail::QueuedWorkOf<std::decay_t<Work>>(std::forward<Work>(work));
        detail::handOver(event);
        QCoreApplication::postEvent(this, event); // takes it; deleted on this object's thread
    }

    // Runs `work` on this object's thread and waits for it: what it did is ordered before
    // what the caller does next (a std::mutex, which TSan sees). Never from that thread.
    template <typename Work>
    void postAndWait(Work&& work)
    {
        std::mutex mutex;
        std::condition_variable doneChanged;
        bool done = false;
        post([&, work = std::forward<Work>(work)]() mutable {
            work();
            const std::lock_guard lock(mutex);
            done = true;
            doneChanged.notify_one();
        });
        std::unique_lock lock(mutex);
        doneChanged.wait(lock, [&] { return done; });
    }

protected:
    bool event(QEvent* event) override
    {
        detail::takeOver(event); // before reading it: its type was written by the poster
        if (event->type() != detail::QueuedWork::kType)
            return QObject::event(event);
        static_cast<detail::QueuedWork*>(event)->run();
        return true;
    }
};

} // namespace cpo::ui
