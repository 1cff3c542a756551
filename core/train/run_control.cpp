#include "train/run_control.h"

#include <thread>

namespace cpo::train {

void RunControl::raise(ControlAction action)
{
    auto current = m_action.load();
    while (current != ControlAction::Cancel && !m_action.compare_exchange_weak(current, action)) {
    }
}

ControlAction RunControl::awaitTurn(std::chrono::milliseconds pollInterval)
{
    if (m_paused.load() && pending() == ControlAction::Continue) {
        if (m_pauseListener)
            m_pauseListener(true);
        while (m_paused.load() && pending() == ControlAction::Continue)
            std::this_thread::sleep_for(pollInterval);
        if (m_pauseListener)
            m_pauseListener(false);
    }
    return pending();
}

} // namespace cpo::train
