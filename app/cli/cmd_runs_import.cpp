// `cpo runs import BUNDLE`: adds a run that `cpo runs export ID --bundle DIR` wrote on another
// machine to this store, after checking every file against the bundle's sha256 digests
// (engine/run_bundle.h).

#include "cli_common.h"
#include "store_options.h"

#include "engine/run_bundle.h"

#include <iostream>
#include <memory>

namespace cpo::cli {
namespace {

struct ImportOptions {
    CommonOptions common;
    std::string bundle;
    std::string db;
    std::string out;
};

int runImport(const ImportOptions& options)
{
    applyCommonOptions(options.common);
    const auto db = storePath(options.db);
    const auto imported = engine::importRunBundle(options.bundle, db, options.out);
    if (options.common.json)
        printJson({{"run_id", imported.runId},
                   {"source_run_id", imported.sourceRunId},
                   {"name", imported.name},
                   {"run_dir", imported.runDir.string()},
                   {"db", db.string()}});
    else
        std::cout << "imported run " << imported.sourceRunId << " (" << imported.name
                  << ") as run " << imported.runId << " of " << db.string() << ", its files in "
                  << imported.runDir.string() << '\n';
    return 0;
}

} // namespace

void addImportCommand(CLI::App& runs, Action& action)
{
    auto options = std::make_shared<ImportOptions>();
    auto* command = runs.add_subcommand(
        "import", "Add a run bundle (`cpo runs export ID --bundle DIR`) to the store under a new "
                  "id, after checking its files' sha256 digests");
    command->add_option("bundle", options->bundle, "The bundle folder")->required();
    command->add_option("--out", options->out,
                        "Folder for the run's files (default: NAME-imported-TIME under the "
                        "default runs folder)");
    addDbOption(*command, options->db);
    addCommonOptions(*command, options->common);
    command->callback([options, &action] { action = [options] { return runImport(*options); }; });
}

} // namespace cpo::cli
