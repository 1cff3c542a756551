#include "store_options.h"

#include "util/paths.h"

namespace cpo::cli {

std::filesystem::path storePath(const std::string& db)
{
    return db.empty() ? defaultDatabasePath() : std::filesystem::path(db);
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
