#include "engine/run_follow.h"

#include "engine/event_codec.h"
#include "engine/run_catalog.h"
#include "engine/run_owner.h"
#include "store/run_store.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <thread>

namespace cpo::engine {
namespace {

std::string runName(std::int64_t runId, const std::filesystem::path& db)
{
    return "run " + std::to_string(runId) + " of " + db.string();
}

// Delivers every event after `seq` logged so far; returns the last seq delivered.
std::int64_t drain(store::RunStore& runs, std::int64_t runId, std::int64_t seq,
                   const std::function<void(std::int64_t, const RunEvent&)>& onEvent)
{
    for (;;) {
        const auto events = runs.readEvents(runId, seq);
        if (events.empty())
            return seq;
        for (const auto& record : events) {
            RunEvent event;
            try {
                event = eventFromJson(nlohmann::json::parse(record.json));
            } catch (const std::exception& e) {
                throw Error("run " + std::to_string(runId) + ", event " +
                            std::to_string(record.seq) + ": " + e.what());
            }
            onEvent(record.seq, event);
            seq = record.seq;
        }
    }
}

} // namespace

store::RunStatus followRun(const std::filesystem::path& db, std::int64_t runId,
                           const FollowOptions& options,
                           const std::function<void(std::int64_t seq, const RunEvent& event)>&
                               onEvent)
{
    requireRunStore(db);
    store::RunStore runs(db, store::OpenMode::ReadOnly);
    if (!runs.getRun(runId))
        throw Error(runName(runId, db) + " does not exist (`cpo runs list --db " + db.string() +
                    "` lists the runs)");
    auto seq = options.fromSeq;
    for (;;) {
        // The status is read before the log: the writer logs a run's last event before it
        // stamps the end, so an ended run's log is complete when this drain starts.
        const auto run = runs.getRun(runId);
        if (!run)
            throw Error(runName(runId, db) + " was deleted while it was followed");
        seq = drain(runs, runId, seq, onEvent);
        if (store::isTerminal(run->status))
            return run->status;
        if (isAbandoned(*run))
            throw Error(runName(runId, db) + " was abandoned: the process running it died "
                        "(`cpo runs resume " + std::to_string(runId) + "` continues it)");
        std::this_thread::sleep_for(options.poll);
    }
}

} // namespace cpo::engine
