// `cpo runs follow ID`: a run's events from its store as JSON lines while they land, e.g.
// `ssh gpu-server cpo runs follow 12 | jq ...` from a desktop. The engine reads the store
// (engine/run_follow.h); this file parses the flags and prints.

#include "cli_common.h"
#include "store_options.h"

#include "engine/event_codec.h"
#include "engine/run_follow.h"
#include "store/records.h"
#include "util/log.h"

#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>

namespace cpo::cli {
namespace {

struct FollowCliOptions {
    CommonOptions common;
    std::string db;
    std::int64_t runId = 0;
    std::int64_t fromSeq = 0;
    int pollMs = 200;
};

int runFollow(const FollowCliOptions& options)
{
    applyCommonOptions(options.common);
    engine::FollowOptions follow;
    follow.fromSeq = options.fromSeq;
    follow.poll = std::chrono::milliseconds(options.pollMs);
    const auto status = engine::followRun(
        storePath(options.db), options.runId, follow,
        [](std::int64_t seq, const engine::RunEvent& event) {
            auto line = engine::eventToJson(event);
            line["seq"] = seq;
            // Flushed per line: a reader at the other end of a pipe or ssh sees it at once.
            std::cout << line.dump() << std::endl;
        });
    log::get("cpo")->info("run {} ended: {}", options.runId, store::statusName(status));
    return 0;
}

} // namespace

void addFollowCommand(CLI::App& runs, Action& action)
{
    auto options = std::make_shared<FollowCliOptions>();
    auto* command = runs.add_subcommand(
        "follow", "Print a run's events as JSON lines (the format of `cpo run --events`, plus "
                  "\"seq\") as they land in the store; ends when the run ends");
    addRunIdArgument(*command, options->runId);
    command->add_option("--from-seq", options->fromSeq,
                        "Print only the events after this seq (to pick up where a broken "
                        "connection left off)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    command->add_option("--poll-ms", options->pollMs, "How often a live run's store is read")
        ->capture_default_str()
        ->check(CLI::Range(10, 60000));
    addDbOption(*command, options->db);
    addCommonOptions(*command, options->common);
    command->callback([options, &action] { action = [options] { return runFollow(*options); }; });
}

} // namespace cpo::cli
