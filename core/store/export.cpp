#include "store/export.h"

#include "store/run_store.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string_view>

namespace cpo::store {
namespace {

RunRecord requireRun(RunStore& store, std::int64_t runId)
{
    auto run = store.getRun(runId);
    if (!run)
        throw Error("run store " + store.database().file() + ": no run with id "
                    + std::to_string(runId));
    return *std::move(run);
}

void writeCsvField(std::ostream& out, std::string_view field)
{
    if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
        out << field;
        return;
    }
    out << '"';
    for (const char c : field) {
        if (c == '"')
            out << '"';
        out << c;
    }
    out << '"';
}

// Replaces, rather than throws on, invalid UTF-8 in names a user typed.
std::string dumpJson(const nlohmann::json& value)
{
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Shortest round-trip text; std::to_chars writes NaN as "nan" and infinities as "inf".
template <typename T>
void writeNumber(std::ostream& out, T value)
{
    std::array<char, 32> buffer{};
    const auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    out.write(buffer.data(), end - buffer.data());
}

// The store's own files: an export renamed over one would destroy every run in it (and a
// stray STORE-wal would confuse SQLite).
void refuseStoreFile(RunStore& store, const std::filesystem::path& file)
{
    const std::filesystem::path db = store.database().file();
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        auto own = db;
        own += suffix;
        std::error_code error;
        if (std::filesystem::equivalent(file, own, error) ||
            std::filesystem::weakly_canonical(file, error) ==
                std::filesystem::weakly_canonical(own, error))
            throw Error(file.string() + ": that is the run store's own file (" + own.string() +
                        "); writing the export there would destroy the store: export to "
                        "another file");
    }
}

// Written next to the file and renamed into place, so a failure (a missing run, a full disk)
// never leaves a truncated export under the final name; never over the store itself.
template <typename Write>
void writeFile(RunStore& store, const std::filesystem::path& file, Write write)
{
    refuseStoreFile(store, file);
    std::filesystem::path partial = file;
    partial += ".partial";
    try {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        if (!out) // errno says why: no such folder, permission denied, a read-only disk
            throw Error("cannot write " + file.string() + ": " + std::strerror(errno));
        write(out);
        errno = 0;
        out.close();
        if (!out)
            throw Error("cannot write " + file.string() + ": "
                        + (errno ? std::strerror(errno) : "the write failed (is the disk full?)"));
        std::error_code error;
        std::filesystem::rename(partial, file, error);
        if (error)
            throw Error("cannot write " + file.string() + ": " + error.message());
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove(partial, ignored);
        throw;
    }
}

} // namespace

void writeMetricsCsv(RunStore& store, std::int64_t runId, std::ostream& out)
{
    requireRun(store, runId);
    out << "phase,step,key,value,wall_time\n";
    store.visitMetrics(runId, [&](const MetricPoint& point) {
        writeCsvField(out, point.phase);
        out << ',';
        writeNumber(out, point.step);
        out << ',';
        writeCsvField(out, point.key);
        out << ',';
        writeNumber(out, point.value);
        out << ',';
        writeNumber(out, point.wallTime);
        out << '\n';
    });
}

void writeMetricsJson(RunStore& store, std::int64_t runId, std::ostream& out)
{
    const RunRecord run = requireRun(store, runId);
    const nlohmann::json header = {{"id", run.id},
                                   {"name", run.name},
                                   {"status", statusName(run.status)},
                                   {"config_hash", run.configHash}};
    out << "{\"run\":" << dumpJson(header) << ",\"series\":{";

    // Points arrive by key, so only one series is held in memory at a time.
    std::string key;
    nlohmann::json columns;
    bool first = true;
    const auto writeSeries = [&] {
        if (columns.is_null())
            return;
        out << (first ? "" : ",") << dumpJson(key) << ':' << dumpJson(columns);
        first = false;
    };
    store.visitMetrics(runId, [&](const MetricPoint& point) {
        if (columns.is_null() || point.key != key) {
            writeSeries();
            key = point.key;
            columns = {{"phase", nlohmann::json::array()},
                       {"step", nlohmann::json::array()},
                       {"value", nlohmann::json::array()},
                       {"wall_time", nlohmann::json::array()}};
        }
        columns["phase"].push_back(point.phase);
        columns["step"].push_back(point.step);
        if (std::isnan(point.value))
            columns["value"].push_back(nullptr);
        else
            columns["value"].push_back(point.value);
        columns["wall_time"].push_back(point.wallTime);
    });
    writeSeries();
    out << "}}\n";
}

void exportMetricsCsv(RunStore& store, std::int64_t runId, const std::filesystem::path& file)
{
    writeFile(store, file, [&](std::ostream& out) { writeMetricsCsv(store, runId, out); });
}

void exportMetricsJson(RunStore& store, std::int64_t runId, const std::filesystem::path& file)
{
    writeFile(store, file, [&](std::ostream& out) { writeMetricsJson(store, runId, out); });
}

void exportExperiment(RunStore& store, std::int64_t runId, const std::filesystem::path& file)
{
    const RunRecord run = requireRun(store, runId);
    writeFile(store, file, [&](std::ostream& out) { out << run.experimentJson; });
}

} // namespace cpo::store
