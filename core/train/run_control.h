#pragma once

#include <atomic>
#include <chrono>
#include <functional>

namespace cpo::train {

// What a trainer does at the boundary between two steps.
enum class ControlAction {
    Continue,
    Stop,   // checkpoint the step just finished, then end the phase as Stopped
    Cancel, // end the phase at once as Cancelled: no checkpoint, the run is abandoned
};

// Steers a running phase from other threads (a GUI, a signal handler): stop, cancel, pause,
// resume. The trainer asks awaitTurn() between steps, so a request always lands on a step
// boundary and never in the middle of an update.
//
// Every request is one store to a lock-free atomic, so they may be made from a signal
// handler. A paused trainer polls (every pollInterval) rather than waiting on a condition
// variable for the same reason: a signal handler cannot notify one.
class RunControl {
public:
    void requestStop() { raise(ControlAction::Stop); }
    void requestCancel() { raise(ControlAction::Cancel); }
    void pause() { m_paused.store(true); }
    void resume() { m_paused.store(false); }

    bool isPaused() const { return m_paused.load(); }
    ControlAction pending() const { return m_action.load(); }

    // Called on the training thread when a pause begins (true) and when it ends (false), so
    // the engine can record the paused state from its own thread.
    void setPauseListener(std::function<void(bool paused)> listener)
    {
        m_pauseListener = std::move(listener);
    }

    // Between steps: blocks while paused (a stop or cancel ends the pause), then says what to
    // do. Only the training thread calls it.
    ControlAction awaitTurn(std::chrono::milliseconds pollInterval = std::chrono::milliseconds(50));

private:
    // A cancel outranks a stop: once asked to throw the run away, a later stop cannot undo it.
    void raise(ControlAction action);

    std::atomic<ControlAction> m_action{ControlAction::Continue};
    std::atomic<bool> m_paused{false};
    std::function<void(bool)> m_pauseListener;
    static_assert(std::atomic<ControlAction>::is_always_lock_free);
    static_assert(std::atomic<bool>::is_always_lock_free);
};

} // namespace cpo::train
