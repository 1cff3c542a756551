// `cpo runs`: the run store seen from the command line: list, show, export and delete runs
// (resume and queue run them: cmd_runs_resume.cpp, cmd_runs_queue.cpp). Reading commands open
// the store read-only, so they are safe while a run is writing to it.

#include "cli_common.h"
#include "store_options.h"
#include "terminal_text.h"

#include "engine/run_bundle.h"
#include "engine/run_catalog.h"
#include "engine/run_json.h"
#include "store/run_store.h"
#include "util/error.h"
#include "util/paths.h"

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace cpo::cli {
namespace {

namespace fs = std::filesystem;
using store::RunRecord;

struct RunsOptions {
    CommonOptions common;
    std::string db; // empty: cpo::defaultDatabasePath()
    std::int64_t runId = 0;
};

struct ExportOptions {
    std::string db;
    std::int64_t runId = 0;
    std::string csv;
    std::string json;
    std::string experiment;
    std::string bundle;
};

struct DeleteOptions {
    CommonOptions common;
    std::string db;
    std::int64_t runId = 0;
    bool yes = false;
};

std::string formatTime(std::int64_t unixMs)
{
    const std::time_t seconds = unixMs / 1000;
    std::tm local{};
    localtime_r(&seconds, &local);
    std::ostringstream text;
    text << std::put_time(&local, "%Y-%m-%d %H:%M:%S");
    return text.str();
}

std::string formatDuration(std::int64_t ms)
{
    const std::int64_t s = ms / 1000;
    std::ostringstream text;
    text << std::setfill('0');
    if (s < 60)
        text << std::fixed << std::setprecision(1) << static_cast<double>(ms) / 1000.0 << 's';
    else if (s < 3600)
        text << s / 60 << 'm' << std::setw(2) << s % 60 << 's';
    else if (s < 86400)
        text << s / 3600 << 'h' << std::setw(2) << s / 60 % 60 << 'm';
    else
        text << s / 86400 << 'd' << std::setw(2) << s / 3600 % 24 << 'h';
    return text.str();
}

std::string formatNumber(double value)
{
    std::ostringstream text;
    text << std::setprecision(6) << value;
    return text.str();
}

std::string joined(const std::vector<std::string>& items, const char* separator)
{
    std::string text;
    for (const auto& item : items)
        text += (text.empty() ? "" : separator) + item;
    return text;
}

// Prints rows as left-aligned columns two spaces apart, the first row being the header.
void printTable(const std::vector<std::vector<std::string>>& rows)
{
    std::vector<std::size_t> widths;
    for (const auto& row : rows) {
        widths.resize(std::max(widths.size(), row.size()));
        for (std::size_t column = 0; column < row.size(); ++column)
            widths[column] = std::max(widths[column], row[column].size());
    }
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t column = 0; column < row.size(); ++column)
            line += row[column] + std::string(widths[column] - row[column].size() + 2, ' ');
        line.erase(line.find_last_not_of(' ') + 1);
        std::cout << line << '\n';
    }
}

// "running (abandoned)" for a run whose process died: `cpo runs resume ID` continues it.
std::string statusText(const engine::RunListEntry& run)
{
    std::string text(store::statusName(run.status));
    return run.abandoned ? text + " (abandoned)" : text;
}

void printRunTable(const std::vector<engine::RunListEntry>& runs)
{
    std::vector<std::vector<std::string>> rows{
        {"ID", "NAME", "STATUS", "CREATED", "FINISHED", "DURATION"}};
    for (const auto& run : runs) {
        const auto& finished = run.finishedAt;
        rows.push_back({std::to_string(run.id), escapedForTerminal(run.name), statusText(run),
                        formatTime(run.createdAt),
                        finished ? formatTime(*finished) : "-",
                        finished ? formatDuration(*finished - run.createdAt) : "-"});
    }
    printTable(rows);
}

int runList(const RunsOptions& options)
{
    applyCommonOptions(options.common);
    const auto file = storePath(options.db);
    const auto records = engine::RunCatalog(file).runs();
    if (options.common.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& run : records)
            list.push_back(engine::runSummaryJson(run));
        printJson({{"runs", list}});
    } else if (records.empty()) {
        std::cout << "no runs in " << file.string() << " yet\n";
    } else {
        printRunTable(records);
    }
    return 0;
}

void printRunDetails(const RunRecord& run)
{
    std::cout << "run " << run.id << ": " << escapedForTerminal(run.name) << " ("
              << store::statusName(run.status) << ")\n";
    std::cout << "  created     " << formatTime(run.createdAt) << '\n';
    if (run.finishedAt)
        std::cout << "  finished    " << formatTime(*run.finishedAt) << " (after "
                  << formatDuration(*run.finishedAt - run.createdAt) << ")\n";
    if (!run.configHash.empty())
        std::cout << "  config hash " << run.configHash << '\n';
    if (run.parentRunId)
        std::cout << "  parent run  " << *run.parentRunId << '\n';
    if (!run.tags.empty())
        std::cout << "  tags        " << escapedForTerminal(joined(run.tags, ", ")) << '\n';
    if (run.ownerPid)
        std::cout << "  owner       pid " << *run.ownerPid
                  << escapedForTerminal(run.ownerHost.empty() ? "" : " on " + run.ownerHost)
                  << '\n';
    if (!run.error.empty())
        std::cout << "  error       " << escapedForTerminal(run.error) << '\n';
}

void printSeriesTable(const std::vector<engine::SeriesSummary>& series)
{
    if (series.empty()) {
        std::cout << "no metrics\n";
        return;
    }
    std::vector<std::vector<std::string>> rows{{"SERIES", "POINTS", "LAST STEP", "LAST VALUE"}};
    for (const auto& summary : series)
        rows.push_back({summary.key, std::to_string(summary.points),
                        std::to_string(summary.lastStep), formatNumber(summary.lastValue)});
    printTable(rows);
}

int runShow(const RunsOptions& options)
{
    applyCommonOptions(options.common);
    const auto details = engine::RunCatalog(storePath(options.db)).details(options.runId);
    if (options.common.json) {
        printJson(engine::runDetailsJson(details));
        return 0;
    }
    const auto& [run, series, checkpoint, alerts] = details;
    printRunDetails(run);
    printSeriesTable(series);
    if (checkpoint)
        std::cout << "latest checkpoint: " << checkpoint->path << " (" << checkpoint->phase
                  << " step " << checkpoint->step << ")\n";
    else
        std::cout << "no checkpoint\n";
    std::cout << "alerts: " << alerts.size() << '\n';
    return 0;
}

int runExport(const ExportOptions& options)
{
    if (options.csv.empty() && options.json.empty() && options.experiment.empty() &&
        options.bundle.empty())
        throw Error("runs export: say what to write with --csv FILE, --json FILE, "
                    "--experiment FILE and/or --bundle DIR");
    engine::RunCatalog catalog(storePath(options.db));
    const auto run = catalog.requireRun(options.runId);
    const std::string what = "run " + std::to_string(run.id) + " (" + run.name + ")";
    if (!options.csv.empty()) {
        catalog.exportMetricsCsv(run.id, options.csv);
        std::cout << "wrote the metrics of " << what << " as CSV to " << options.csv << '\n';
    }
    if (!options.json.empty()) {
        catalog.exportMetricsJson(run.id, options.json);
        std::cout << "wrote the metrics of " << what << " as JSON to " << options.json << '\n';
    }
    if (!options.experiment.empty()) {
        catalog.exportExperiment(run.id, options.experiment);
        std::cout << "wrote the experiment of " << what << " to " << options.experiment
                  << " (`cpo run` on it repeats the run)\n";
    }
    if (!options.bundle.empty()) {
        const auto bundle = engine::exportRunBundle(storePath(options.db), run.id, options.bundle);
        std::cout << "wrote " << what << " as a bundle to " << options.bundle << " ("
                  << bundle.files << " files, " << bundle.bytes << " bytes; final checkpoints: "
                  << bundle.checkpoints.size() << "); `cpo runs import " << options.bundle
                  << "` adds it to another store\n";
    }
    return 0;
}

int runDelete(const DeleteOptions& options)
{
    applyCommonOptions(options.common);
    engine::RunCatalog catalog(storePath(options.db));
    const auto run = catalog.requireDeletable(options.runId);
    const std::string what = "run " + std::to_string(run.id) + " ("
                             + escapedForTerminal(run.name) + ", "
                             + std::string(store::statusName(run.status)) + ")";
    if (!options.yes)
        throw Error("not deleting " + what + " with its metrics, samples and alerts: "
                    "add --yes to confirm");
    catalog.deleteRun(run.id);
    if (options.common.json)
        printJson({{"deleted", {{"id", run.id}, {"name", run.name}}}});
    else
        std::cout << "deleted " << what << " with its metrics, samples and alerts "
                  << "(checkpoint files on disk are kept)\n";
    return 0;
}

void addListCommand(CLI::App& runs, Action& action)
{
    auto options = std::make_shared<RunsOptions>();
    auto* command = runs.add_subcommand("list", "List the runs in the store, newest first");
    addDbOption(*command, options->db);
    addCommonOptions(*command, options->common);
    command->callback([options, &action] { action = [options] { return runList(*options); }; });
}

void addShowCommand(CLI::App& runs, Action& action)
{
    auto options = std::make_shared<RunsOptions>();
    auto* command = runs.add_subcommand(
        "show", "Show one run: its series with their last values, latest checkpoint, alerts");
    addRunIdArgument(*command, options->runId);
    addDbOption(*command, options->db);
    addCommonOptions(*command, options->common);
    command->callback([options, &action] { action = [options] { return runShow(*options); }; });
}

// No common options here: --json names a file to write, as --csv does.
void addExportCommand(CLI::App& runs, Action& action)
{
    auto options = std::make_shared<ExportOptions>();
    auto* command = runs.add_subcommand(
        "export", "Write a run's metrics (CSV, JSON), its experiment file, or the whole ended "
                  "run as a bundle for `cpo runs import` on another machine");
    addRunIdArgument(*command, options->runId);
    command->add_option("--csv", options->csv, "Metrics in long form: phase,step,key,value,...");
    command->add_option("--json", options->json, "Metrics as JSON, one column set per series");
    command->add_option("--experiment", options->experiment,
                        "The experiment exactly as it was run, to run it again");
    command->add_option("--bundle", options->bundle,
                        "A new folder: the run's store rows, its folder's files and each "
                        "phase's final checkpoint, with sha256 digests (cpo runs import)");
    addDbOption(*command, options->db);
    command->callback([options, &action] {
        action = [options] { return runExport(*options); };
    });
}

void addDeleteCommand(CLI::App& runs, Action& action)
{
    auto options = std::make_shared<DeleteOptions>();
    auto* command = runs.add_subcommand(
        "delete", "Delete a run with its metrics, samples and alerts (needs --yes)");
    addRunIdArgument(*command, options->runId);
    command->add_flag("--yes", options->yes, "Confirm the deletion");
    addDbOption(*command, options->db);
    addCommonOptions(*command, options->common);
    command->callback([options, &action] {
        action = [options] { return runDelete(*options); };
    });
}

} // namespace

void addRunsCommand(CLI::App& app, Action& action)
{
    auto* runs = app.add_subcommand(
        "runs", "Inspect, export, delete, resume and queue the runs in the store");
    runs->require_subcommand(1);
    addListCommand(*runs, action);
    addShowCommand(*runs, action);
    addExportCommand(*runs, action);
    addDeleteCommand(*runs, action);
    addResumeCommand(*runs, action);
    addQueueCommand(*runs, action);
    addFollowCommand(*runs, action);
    addImportCommand(*runs, action);
}

} // namespace cpo::cli
