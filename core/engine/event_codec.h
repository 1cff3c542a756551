#pragma once

#include "engine/run_events.h"

#include <nlohmann/json.hpp>

// A run's events as JSON objects {"event": NAME, ...fields}: the lines `cpo run --events`
// prints, and what a follower of a remote run reads back. Every field of every event
// survives the round trip; NaN (a diverged loss) is written as null and read back as NaN.
namespace cpo::engine {

nlohmann::json eventToJson(const RunEvent& event);
// Throws cpo::Error naming the event and the field when `json` is not an event this build
// writes.
RunEvent eventFromJson(const nlohmann::json& json);

} // namespace cpo::engine
