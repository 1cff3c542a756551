// App start-up benchmark (not a CTest test): the time from launching `cpo-studio` to its
// main window being shown, with a run store of 1 000 runs (each with 4 series of 100 points)
// as its default database. Goal: ≤ 1 s. The app logs "main window shown" once its window is
// up; this measures from spawning the process (dynamic loading of Qt and LibTorch included)
// to that line. Offscreen unless QT_QPA_PLATFORM says otherwise. Last line: JSON.
//
//   bench_startup [RUNS] [LAUNCHES]

#include "bench/latency_stats.h"
#include "store/run_store.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>

#include <cstdio>

namespace {

constexpr int kPointsPerSeries = 100;

void fillStore(const QString& file, int runs)
{
    cpo::store::RunStore store(file.toStdString());
    for (int r = 0; r < runs; ++r) {
        cpo::store::RunRecord run;
        run.name = "bench-" + std::to_string(r);
        run.experimentJson = R"({"name": "bench"})";
        run.status = cpo::store::RunStatus::Finished;
        const auto id = store.createRun(run);
        std::vector<cpo::store::MetricPoint> points;
        for (const char* key : {"mle/loss", "mle/lr", "cpo/loss", "cpo/accuracy"})
            for (std::int64_t step = 1; step <= kPointsPerSeries; ++step)
                points.push_back({std::string(key).substr(0, 3), step, key,
                                  1.0 / static_cast<double>(step), 0.0});
        store.appendMetrics(id, points);
    }
}

// Milliseconds from spawning the app to its "main window shown" log line; -1 on failure.
double launchOnce(const QString& app, const QProcessEnvironment& environment)
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.setProcessChannelMode(QProcess::MergedChannels);
    QElapsedTimer clock;
    clock.start();
    process.start(app, {});
    QByteArray output;
    double shown = -1.0;
    while (clock.elapsed() < 30000 && process.state() != QProcess::NotRunning) {
        process.waitForReadyRead(50);
        output += process.readAll();
        if (output.contains("main window shown")) {
            shown = static_cast<double>(clock.nsecsElapsed()) / 1e6;
            break;
        }
    }
    process.kill();
    process.waitForFinished();
    if (shown < 0)
        std::fprintf(stderr, "%s did not show its window:\n%s\n", qPrintable(app),
                     output.constData());
    return shown;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const int runs = argc > 1 ? std::atoi(argv[1]) : 1000;
    const int launches = argc > 2 ? std::atoi(argv[2]) : 5;
    QTemporaryDir home;
    const QString dataDir = home.filePath(QStringLiteral("cpo-studio"));
    QDir().mkpath(dataDir);
    fillStore(dataDir + QStringLiteral("/runs.sqlite"), runs);

    auto environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("XDG_DATA_HOME"), home.path());
    environment.insert(QStringLiteral("XDG_CONFIG_HOME"), home.path()); // fresh QSettings
    if (!environment.contains(QStringLiteral("QT_QPA_PLATFORM")))
        environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    std::vector<double> ms;
    for (int i = 0; i < launches; ++i) {
        const double shown = launchOnce(QStringLiteral(CPO_STUDIO_PATH), environment);
        if (shown < 0)
            return 1;
        ms.push_back(shown);
    }
    const auto stats = latencyStats(ms);
    double load = 0.0;
    getloadavg(&load, 1);
    std::printf("launch to shown window, %d runs in the store, %d launches: p50 %.0f ms, "
                "max %.0f ms; load average %.2f\n",
                runs, launches, stats.p50, stats.max, load);
    std::printf("{\"runs\": %d, \"p50_ms\": %.1f, \"max_ms\": %.1f}\n", runs, stats.p50,
                stats.max);
    return 0;
}
