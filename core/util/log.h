#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string>
#include <vector>

namespace cpo::log {

// One façade over spdlog: named per-component loggers ("model", "train", ...) that share one
// set of sinks. By default the only sink is stderr, so a command's stdout stays clean for
// its JSON output. The GUI adds its own sink for the log panel through addSink().
std::shared_ptr<spdlog::logger> get(const std::string& component);

void addSink(spdlog::sink_ptr sink);
void setLevel(spdlog::level::level_enum level);

} // namespace cpo::log
