// Run store benchmark (not a CTest test): the metric insert rate through MetricWriter's
// batched transactions (goal >= 200 000 rows/s) and the time to read one series of 1 000 000
// points (goal <= 0.5 s). Prints one JSON line, then one line for people.
//
//   bench_store [DIR]     DIR holds the temporary store file (default: the temp directory)

#include "store/metric_writer.h"
#include "store/run_store.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <time.h>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using cpo::store::MetricPoint;

constexpr std::int64_t kSeriesPoints = 1'000'000;
constexpr int kKeysPerStep = 8; // a training step logs several scalars
// The engine's own batching: MetricWriter's defaults.
constexpr std::size_t kBatchRows = cpo::store::MetricWriterOptions{}.batchRows;
constexpr int kReadRepeats = 3;
constexpr double kInsertGoal = 200'000.0;
constexpr double kReadGoalSeconds = 0.5;

double seconds(Clock::duration elapsed) { return std::chrono::duration<double>(elapsed).count(); }

// CPU seconds of this (single-threaded) process: on a shared machine wall time also counts
// the time other processes held the cores, so both are printed.
double cpuSeconds()
{
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return double(now.tv_sec) + 1e-9 * double(now.tv_nsec);
}

// Other processes' demand for the cores while this ran: the context for the wall times.
double loadAverage()
{
    double load[1] = {0.0};
    return getloadavg(load, 1) == 1 ? load[0] : -1.0;
}

struct Rate {
    double wall = 0.0; // rows per wall-clock second
    double cpu = 0.0;  // rows per CPU second
};

// Rows in the order an engine logs them: every key of step 0, then of step 1, ...
Rate insertRate(cpo::store::RunStore& store, std::int64_t runId, std::int64_t steps,
                int keysPerStep)
{
    std::vector<std::string> keys;
    for (int k = 0; k < keysPerStep; ++k)
        keys.push_back(k == 0 ? "loss" : "metric_" + std::to_string(k));
    const auto start = Clock::now();
    const double cpuStart = cpuSeconds();
    {
        cpo::store::MetricWriter writer(store, runId);
        for (std::int64_t step = 0; step < steps; ++step)
            for (const std::string& key : keys)
                writer.append({"cpo", step, key, std::sin(0.001 * double(step)), 1.7e9});
    }
    const double rows = double(steps * keysPerStep);
    return {rows / seconds(Clock::now() - start), rows / (cpuSeconds() - cpuStart)};
}

cpo::store::RunRecord benchRun(const std::string& name)
{
    cpo::store::RunRecord run;
    run.name = name;
    run.experimentJson = "{}";
    return run;
}

} // namespace

int main(int argc, char** argv)
{
    const std::filesystem::path dir =
        argc > 1 ? std::filesystem::path(argv[1]) : std::filesystem::temp_directory_path();
    const std::filesystem::path file = dir / ("bench_store_" + std::to_string(getpid()) + ".db");
    const auto removeFiles = [&] {
        for (const char* suffix : {"", "-wal", "-shm"})
            std::filesystem::remove(file.string() + suffix);
    };
    removeFiles();

    nlohmann::json result;
    try {
        cpo::store::RunStore store(file);
        const std::int64_t stepsPerKey = kSeriesPoints / kKeysPerStep;
        const std::int64_t mixedRun = store.createRun(benchRun("mixed keys"));
        const Rate mixed = insertRate(store, mixedRun, stepsPerKey, kKeysPerStep);
        const std::int64_t seriesRun = store.createRun(benchRun("one series"));
        const Rate single = insertRate(store, seriesRun, kSeriesPoints, 1);

        // A reader on its own read-only connection, as the GUI reads.
        cpo::store::RunStore reader(file, cpo::store::OpenMode::ReadOnly);
        std::vector<double> readWall;
        std::vector<double> readCpu;
        std::size_t points = 0;
        for (int repeat = 0; repeat < kReadRepeats; ++repeat) {
            const auto start = Clock::now();
            const double cpuStart = cpuSeconds();
            points = reader.readSeries(seriesRun, "loss").steps.size();
            readCpu.push_back(cpuSeconds() - cpuStart);
            readWall.push_back(seconds(Clock::now() - start));
        }
        const auto keysStart = Clock::now();
        const std::size_t keyCount = reader.seriesKeys(mixedRun).size();
        const double keysSeconds = seconds(Clock::now() - keysStart);

        // The goals are judged on the slower of the two insert orders and the slowest read.
        const double insertRows = std::min(mixed.wall, single.wall);
        const double readSeconds = *std::max_element(readWall.begin(), readWall.end());
        result = {
            {"bench", "store"},
            {"batch_rows", kBatchRows},
            {"insert_rows_per_s", std::round(insertRows)},
            {"insert_rows_per_s_mixed_keys", std::round(mixed.wall)},
            {"insert_rows_per_s_one_key", std::round(single.wall)},
            {"insert_rows_per_cpu_s", std::round(std::min(mixed.cpu, single.cpu))},
            {"insert_rows_per_cpu_s_mixed_keys", std::round(mixed.cpu)},
            {"insert_rows_per_cpu_s_one_key", std::round(single.cpu)},
            {"read_series_points", points},
            {"read_series_s", readSeconds},
            {"read_series_s_each", readWall},
            {"read_series_cpu_s_each", readCpu},
            {"series_keys", keyCount},
            {"series_keys_s", keysSeconds},
            {"file_mib", double(std::filesystem::file_size(file)) / (1 << 20)},
            {"load_average_1min", loadAverage()},
            {"ok", insertRows >= kInsertGoal && readSeconds <= kReadGoalSeconds
                       && points == std::size_t(kSeriesPoints)},
        };
        std::cout << result.dump() << '\n';
        std::printf("store: %.0f metric rows/s inserted in %zu-row transactions (goal >= %.0f; "
                    "%.0f per CPU second); one %zu-point series read in %.3f s, slowest of %d "
                    "(goal <= %.1f s; %.3f CPU s); load average %.1f\n",
                    insertRows, kBatchRows, kInsertGoal, std::min(mixed.cpu, single.cpu),
                    points, readSeconds, kReadRepeats, kReadGoalSeconds,
                    *std::max_element(readCpu.begin(), readCpu.end()), loadAverage());
    } catch (const std::exception& error) {
        std::cerr << "bench_store: " << error.what() << '\n';
        removeFiles();
        return 1;
    }
    removeFiles();
    return result.value("ok", false) ? 0 : 2;
}
