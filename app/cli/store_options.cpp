#include "store_options.h"

#include "util/error.h"
#include "util/paths.h"

namespace cpo::cli {

std::filesystem::path storePath(const std::string& db)
{
    return db.empty() ? defaultDatabasePath() : std::filesystem::path(db);
}

store::RunStore openExistingStore(const std::filesystem::path& file, store::OpenMode mode)
{
    if (!std::filesystem::exists(file))
        throw Error("no run store at " + file.string()
                    + " yet: run `cpo run` first or pass --db");
    return store::RunStore(file, mode);
}

store::RunRecord requireRun(store::RunStore& runs, std::int64_t runId)
{
    auto run = runs.getRun(runId);
    if (!run)
        throw Error("no run " + std::to_string(runId) + " in " + runs.database().file());
    return *std::move(run);
}

void addDbOption(CLI::App& command, std::string& db)
{
    command.add_option("--db", db, "Run store file (default: " + defaultDatabasePath().string()
                                       + ")");
}

void addRunIdArgument(CLI::App& command, std::int64_t& runId)
{
    command.add_option("id", runId, "Run id, as `cpo runs list` shows it")->required();
}

} // namespace cpo::cli
