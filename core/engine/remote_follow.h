#pragma once

#include "engine/run_events.h"
#include "store/records.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

// Following a run on another machine: `ssh HOST cpo runs follow ID` started as a child
// process, its JSON lines decoded by the event codec and mirrored into the local store
// (engine/run_mirror.h) as they arrive. No LibTorch in this header.
namespace cpo::engine {

// ssh in batch mode: no password prompt (the app has no terminal), a key must let it in.
inline constexpr std::string_view kDefaultFollowCommand =
    "ssh -o BatchMode=yes {host} cpo runs follow {id} {db_option} --from-seq {from}";

// The command that prints `origin`'s events after `fromSeq`: `commandTemplate` split at
// spaces into arguments, in each of which {host}, {id}, {db} and {from} are replaced; an
// argument that is exactly {db_option} stands for `--db DB`, or for nothing when origin.db
// is empty. Throws cpo::Error naming the problem: an empty template, an unknown placeholder,
// a host that is empty or starts with '-', or a host or store path holding characters that
// the remote shell (ssh hands the command to one) would interpret.
std::vector<std::string> followCommand(std::string_view commandTemplate,
                                       const store::RemoteOrigin& origin, std::int64_t fromSeq);
// The arguments as one line for a person to read, quoted where a shell would need it.
std::string displayCommand(const std::vector<std::string>& argv);

struct RemoteFollowListener {
    // The local row the run is mirrored into: at the start when an earlier follow made it,
    // else with the first event (may be empty).
    std::function<void(std::int64_t localRunId)> mirrorOpened;
    // Each new event, after it was stored, in order (may be empty).
    std::function<void(std::int64_t localRunId, const RunEvent& event)> event;
};

struct RemoteFollowResult {
    std::int64_t localRunId = 0;            // 0: no event came, no row was made
    std::int64_t events = 0;                // mirrored by this follow
    std::optional<store::RunStatus> ended;  // the remote run's outcome, once it ended
    bool stopped = false;                   // `stop` was requested before it ended
};

// Mirrors `origin` into the store `db` (created when missing) through the command that
// `commandTemplate` makes, picking up after the last event an earlier follow mirrored.
// Returns once the command ends after the run did, or soon after `stop` is requested (the
// command is then terminated). Throws cpo::Error when the command cannot start, exits with
// an error (its last lines of standard error quoted; 255: ssh could not connect, 127: no
// `cpo` there), writes a line that is not an event (naming the line's number), or ends before
// the run did. What was mirrored until then stays in the store.
RemoteFollowResult followRemoteRun(const std::filesystem::path& db,
                                   const store::RemoteOrigin& origin,
                                   std::string_view commandTemplate,
                                   const RemoteFollowListener& listener,
                                   std::stop_token stop = {});

} // namespace cpo::engine
