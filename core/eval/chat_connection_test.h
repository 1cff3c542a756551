#pragma once

#include "engine/judge_config.h"

#include <string>

// "Test connection" for a chat judge's settings: one tiny request to the endpoint, with the
// key read from the named variable, before an evaluation spends a budget on it.
namespace cpo::eval {

struct ConnectionCheck {
    bool ok = false;
    std::string message; // for the user: the status, the latency and the answer, or the fix
};

// Blocks for up to the config's timeout; call it off the GUI thread.
ConnectionCheck testChatConnection(const engine::ChatJudgeConfig& config);

} // namespace cpo::eval
