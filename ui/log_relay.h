#pragma once

#include <QtCore/QObject>
#include <QtCore/QString>

#include <memory>

namespace spdlog::sinks {
class sink;
}

namespace cpo::ui {

class RelaySink;

// Carries log lines from any thread to the log panel: a long-lived QObject (owned by main,
// not by a widget that can die first) whose signal is delivered queued to the panel's thread.
class LogRelay : public QObject {
    Q_OBJECT

public:
    explicit LogRelay(QObject* parent = nullptr);
    ~LogRelay() override;

    // The spdlog sink feeding this relay; register it once with cpo::log::addSink. It stays
    // safe to log into after the relay is destroyed (lines are then dropped).
    std::shared_ptr<spdlog::sinks::sink> sink() const;

Q_SIGNALS:
    void line(const QString& level, const QString& text);

private:
    std::shared_ptr<RelaySink> m_sink;
};

} // namespace cpo::ui
