#include "store/records.h"

#include "util/error.h"

#include <array>
#include <utility>

namespace cpo::store {
namespace {

constexpr std::array<std::pair<RunStatus, std::string_view>, 7> kStatusNames{{
    {RunStatus::Queued, "queued"},
    {RunStatus::Running, "running"},
    {RunStatus::Paused, "paused"},
    {RunStatus::Stopped, "stopped"},
    {RunStatus::Finished, "finished"},
    {RunStatus::Failed, "failed"},
    {RunStatus::Cancelled, "cancelled"},
}};

} // namespace

std::string_view statusName(RunStatus status)
{
    for (const auto& [value, name] : kStatusNames)
        if (value == status)
            return name;
    return "unknown";
}

RunStatus statusFromName(std::string_view name)
{
    for (const auto& [value, known] : kStatusNames)
        if (known == name)
            return value;
    throw Error("unknown run status \"" + std::string(name)
                + "\" (expected queued, running, paused, stopped, finished, failed or "
                  "cancelled)");
}

bool isTerminal(RunStatus status)
{
    return status == RunStatus::Stopped || status == RunStatus::Finished
        || status == RunStatus::Failed || status == RunStatus::Cancelled;
}

} // namespace cpo::store
