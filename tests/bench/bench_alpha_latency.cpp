// α-sweep responsiveness benchmark (not a CTest test): the GUI thread's event-loop latency,
// measured by a probe timer, while the α view's worker sweeps a run's two final checkpoints
// (engine::runAlphaSweep with the judge given) on its own thread, exactly as the app does.
// Goal: p99 ≤ 16 ms. Offscreen unless QT_QPA_PLATFORM says otherwise; the last line printed
// is the JSON figure.
//
//   bench_alpha_latency DB RUN_ID JUDGE.json [ALPHAS, default 0,0.25,0.5,0.75,1] [PROMPTS]

#include "alpha/alpha_sweep_view.h"
#include "alpha/alpha_worker.h"
#include "bench/latency_stats.h"
#include "store/run_store.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QThread>
#include <QtCore/QTimer>
#include <QtWidgets/QApplication>

#include <cstdio>

using namespace cpo::ui;

namespace {

constexpr int kProbeIntervalMs = 5;

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    if (argc < 4) {
        std::fprintf(stderr, "usage: bench_alpha_latency DB RUN_ID JUDGE.json [ALPHAS] "
                             "[PROMPTS]\n");
        return 2;
    }
    { cpo::store::RunStore migrated(argv[1]); } // as the app does at start: readers need it
    AlphaSweepLaunch launch;
    launch.runId = QString::fromLocal8Bit(argv[2]).toLongLong();
    launch.judgeFile = QString::fromLocal8Bit(argv[3]);
    const QString alphas = argc > 4 ? QString::fromLocal8Bit(argv[4])
                                    : QStringLiteral("0,0.25,0.5,0.75,1");
    for (const auto& alpha : alphas.split(QLatin1Char(',')))
        launch.alphas << alpha.toDouble();
    launch.examples = argc > 5 ? QString::fromLocal8Bit(argv[5]).toLongLong() : 100;

    AlphaSweepView view;
    view.resize(1400, 900);
    view.show();
    QThread thread;
    auto* worker = new AlphaWorker(QString::fromLocal8Bit(argv[1]));
    worker->moveToThread(&thread);
    QObject::connect(&thread, &QThread::finished, worker, &QObject::deleteLater);
    QObject::connect(worker, &AlphaWorker::sweepProgressed, &view,
                     &AlphaSweepView::setSweepProgress);
    QObject::connect(worker, &AlphaWorker::curvesLoaded, &view, &AlphaSweepView::setCurves);
    QString outcome;
    QObject::connect(worker, &AlphaWorker::sweepEnded, &app, [&](const QString& message) {
        outcome = message;
        app.quit();
    });
    thread.start();

    std::vector<double> lateness;
    QElapsedTimer sinceLast;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(kProbeIntervalMs);
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const double ms = static_cast<double>(sinceLast.nsecsElapsed()) / 1e6;
        sinceLast.restart();
        lateness.push_back(std::max(0.0, ms - kProbeIntervalMs));
    });
    QElapsedTimer total;
    total.start();
    sinceLast.start();
    probe.start();
    QMetaObject::invokeMethod(worker, [worker, launch] { worker->runSweep(launch); });
    app.exec();
    probe.stop();
    thread.quit();
    thread.wait();
    if (!lateness.empty())
        lateness.erase(lateness.begin());
    const auto stats = latencyStats(lateness);
    const double seconds = static_cast<double>(total.nsecsElapsed()) / 1e9;
    std::printf("α sweep of %lld α × %lld prompts in the background, %.1f s (%s): GUI "
                "event-loop latency over %zu probes p50 %.2f ms, p99 %.2f ms, max %.2f ms "
                "(goal p99 ≤ 16 ms)\n",
                static_cast<long long>(launch.alphas.size()),
                static_cast<long long>(launch.examples), seconds, qPrintable(outcome),
                lateness.size(), stats.p50, stats.p99, stats.max);
    std::printf("{\"bench\":\"alpha_latency\",\"seconds\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
                "\"max_ms\":%.3f}\n",
                seconds, stats.p50, stats.p99, stats.max);
    return stats.p99 <= 16.0 ? 0 : 1;
}
