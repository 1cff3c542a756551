#include "util/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>

namespace cpo::log {
namespace {

// spdlog keeps its own registry of named loggers; we only add the shared sink list and
// the level, and keep both behind one mutex so loggers created later see sinks added earlier.
struct Sinks {
    std::mutex mutex;
    std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_color_sink_mt>()};
    spdlog::level::level_enum level = spdlog::level::info;
};

Sinks& sinks()
{
    static Sinks instance;
    return instance;
}

} // namespace

std::shared_ptr<spdlog::logger> get(const std::string& component)
{
    auto& s = sinks();
    std::lock_guard lock(s.mutex);
    if (auto existing = spdlog::get(component))
        return existing;
    auto logger = std::make_shared<spdlog::logger>(component, s.sinks.begin(), s.sinks.end());
    logger->set_level(s.level);
    logger->set_pattern("[%H:%M:%S.%e] [%n] [%^%l%$] %v");
    spdlog::register_logger(logger);
    return logger;
}

void addSink(spdlog::sink_ptr sink)
{
    auto& s = sinks();
    std::lock_guard lock(s.mutex);
    s.sinks.push_back(sink);
    spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& logger) {
        logger->sinks().push_back(sink);
    });
}

void setLevel(spdlog::level::level_enum level)
{
    auto& s = sinks();
    std::lock_guard lock(s.mutex);
    s.level = level;
    spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& logger) {
        logger->set_level(level);
    });
}

} // namespace cpo::log
