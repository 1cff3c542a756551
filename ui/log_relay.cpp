#include "log_relay.h"

#include <spdlog/sinks/base_sink.h>

#include <mutex>

namespace cpo::ui {

class RelaySink : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit RelaySink(LogRelay* relay) : m_relay(relay) {}

    void detach()
    {
        std::lock_guard lock(m_relayMutex);
        m_relay = nullptr;
    }

protected:
    void sink_it_(const spdlog::details::log_msg& message) override
    {
        spdlog::memory_buf_t formatted;
        formatter_->format(message, formatted);
        const auto level = spdlog::level::to_string_view(message.level);
        std::lock_guard lock(m_relayMutex);
        if (m_relay)
            Q_EMIT m_relay->line(
                QString::fromUtf8(level.data(), static_cast<int>(level.size())),
                QString::fromUtf8(formatted.data(), static_cast<int>(formatted.size()))
                    .trimmed());
    }
    void flush_() override {}

private:
    std::mutex m_relayMutex;
    LogRelay* m_relay;
};

LogRelay::LogRelay(QObject* parent) : QObject(parent), m_sink(std::make_shared<RelaySink>(this))
{
}

LogRelay::~LogRelay() { m_sink->detach(); }

std::shared_ptr<spdlog::sinks::sink> LogRelay::sink() const { return m_sink; }

} // namespace cpo::ui
