// Dashboard plot benchmark (not a CTest test): replot time of one plot holding a series of
// 1 000 000 points (raw and smoothed copies, adaptive sampling on, as the dashboard draws
// them) while the view pans across it, and while showing all of it. Goal: p99 ≤ 16 ms.
// Offscreen unless QT_QPA_PLATFORM says otherwise. Prints one line for people per case and
// a JSON line last.
//
//   bench_plot_replot [POINTS]

#include "bench/latency_stats.h"
#include "dashboard/metric_families.h"
#include "dashboard/metric_plot.h"

#include <QtCore/QElapsedTimer>
#include <QtTest/QTest>
#include <QtWidgets/QApplication>

#include <cmath>
#include <cstdio>
#include <random>
#include <time.h>

using namespace cpo::ui;

namespace {

constexpr int kReplots = 300;

// Times `kReplots` immediate replots, each after `move` changed the view.
// CPU time of this thread: on a shared machine the wall time also counts the time other
// processes held the cores, so both are printed.
double threadCpuMs()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return 1e3 * static_cast<double>(now.tv_sec) + 1e-6 * static_cast<double>(now.tv_nsec);
}

struct ReplotTimes {
    LatencyStats wall;
    LatencyStats cpu;
};

template <typename Move>
ReplotTimes timeReplots(MetricPlot& plot, Move move)
{
    std::vector<double> ms;
    std::vector<double> cpuMs;
    ms.reserve(kReplots);
    for (int i = 0; i < kReplots; ++i) {
        move(i);
        const double cpuBefore = threadCpuMs();
        QElapsedTimer clock;
        clock.start();
        plot.replot(QCustomPlot::rpImmediateRefresh);
        ms.push_back(static_cast<double>(clock.nsecsElapsed()) / 1e6);
        cpuMs.push_back(threadCpuMs() - cpuBefore);
    }
    return {latencyStats(ms), latencyStats(cpuMs)};
}

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int points = argc > 1 ? std::atoi(argv[1]) : 1'000'000;

    MetricPlot plot(metricFamilies().front());
    plot.resize(1200, 500);
    plot.show();
    if (!QTest::qWaitForWindowExposed(&plot))
        return 1;
    plot.setSmoothing({SmoothingKind::Ema, 0.9, 1});
    auto& graphs = plot.curveGraphs(1, 0, {0, QStringLiteral("bench"), false});
    std::mt19937 rng(1);
    std::normal_distribution<double> noise(0.0, 0.05);
    QVector<double> xs(points);
    QVector<double> values(points);
    for (int i = 0; i < points; ++i) {
        xs[i] = i + 1;
        values[i] = 2.0 + 3.0 * std::exp(-i / 100000.0) + noise(rng);
    }
    plot.appendPoints(graphs, xs, values);
    plot.refresh();
    QCoreApplication::processEvents();

    // Panning a view of a tenth of the series from one end to the other, then panning while
    // all of it is in view (the y range moves), as a drag does.
    const double window = points / 10.0;
    const double stride = (points - window) / kReplots;
    const auto panned = timeReplots(plot, [&](int i) {
        plot.xAxis->setRange(i * stride, i * stride + window);
    });
    const auto full = timeReplots(plot, [&](int i) {
        plot.xAxis->setRange(-points * 0.05 + (i % 20) * points * 0.005,
                             points * 1.05 + (i % 20) * points * 0.005);
    });
    for (const auto& [name, times] : {std::pair{"a 10% window", panned}, {"all in view", full}})
        std::printf("pan, %-12s over %d points: wall p50 %.2f ms, p99 %.2f ms, max %.2f ms; "
                    "CPU p50 %.2f ms, p99 %.2f ms\n",
                    name, points, times.wall.p50, times.wall.p99, times.wall.max, times.cpu.p50,
                    times.cpu.p99);
    double load = 0.0;
    getloadavg(&load, 1);
    std::printf("{\"points\": %d, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f, "
                "\"cpu_p50_ms\": %.3f, \"cpu_p99_ms\": %.3f, \"full_view_p50_ms\": %.3f, "
                "\"full_view_p99_ms\": %.3f, \"full_view_cpu_p99_ms\": %.3f, "
                "\"load_average\": %.2f}\n",
                points, panned.wall.p50, panned.wall.p99, panned.wall.max, panned.cpu.p50,
                panned.cpu.p99, full.wall.p50, full.wall.p99, full.cpu.p99, load);
    return 0;
}
