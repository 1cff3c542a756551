// GUI responsiveness benchmark (not a CTest test): the event-loop latency of the GUI thread,
// measured by a probe timer, while the dashboard draws every metric of a run live at a high
// event rate. A producer thread plays a synthetic run (MLE, then CPO with all four negative
// strategies) as a RunHost listener would: one queued call per training step carrying that
// step's values. Goal: p99 ≤ 16 ms (one frame), max ≤ 50 ms. Offscreen unless
// QT_QPA_PLATFORM says otherwise; the last line printed is the JSON figure.
//
//   bench_gui_latency [SECONDS] [STEPS_PER_SECOND]

#include "bench/latency_stats.h"
#include "dashboard/dashboard_view.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QTimer>
#include <QtTest/QTest>
#include <QtWidgets/QApplication>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <thread>

using cpo::ui::DashboardView;

namespace {

constexpr int kProbeIntervalMs = 5;
constexpr std::int64_t kMleSteps = 2500;

// One step's values, as the engine bridge hands them over: series key and value.
struct StepValues {
    QString phase;
    std::int64_t step = 0;
    std::vector<std::pair<QString, double>> values;
};

StepValues syntheticStep(const QString& phase, std::int64_t step, std::mt19937& rng)
{
    std::normal_distribution<double> noise(0.0, 0.03);
    const double t = static_cast<double>(step);
    StepValues out{phase, step, {}};
    const auto add = [&](const char* key, double value) {
        out.values.emplace_back(phase + QLatin1Char('/') + QLatin1String(key), value);
    };
    add("tokens", 2400.0 * t);
    add("elapsed_s", 0.05 * t);
    add("loss", 2.0 + 2.5 * std::exp(-t / 400.0) + noise(rng));
    add("grad_norm", 1.0 + std::abs(noise(rng)) * 10);
    add("lr", 3e-3 * std::min(1.0, t / 100.0));
    add("tokens_per_s", 48000.0 + 2000.0 * noise(rng));
    if (step % 25 == 0)
        add("val_loss", 2.0 + 2.5 * std::exp(-t / 400.0));
    if (phase == QLatin1String("cpo")) {
        for (const char* key : {"contrastive_loss", "reward_y1", "reward_negatives", "margin",
                                "accuracy", "kendall_tau", "spearman_rho", "logp_theta_y1",
                                "logp_ref_y1", "an/reward", "bn/reward", "mn/reward",
                                "tn/reward"})
            add(key, std::tanh(t / 200.0) + noise(rng));
    }
    return out;
}

void deliver(DashboardView& view, std::int64_t runId, const StepValues& step)
{
    for (const auto& [key, value] : step.values)
        view.appendPoints(runId, key, {&step.step, 1}, {&value, 1});
}

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const double seconds = argc > 1 ? std::atof(argv[1]) : 10.0;
    const double stepsPerSecond = argc > 2 ? std::atof(argv[2]) : 500.0;

    DashboardView view;
    view.resize(1600, 1000);
    view.show();
    if (!QTest::qWaitForWindowExposed(&view))
        return 1;
    view.setRuns({{1, QStringLiteral("synthetic")}, {2, QStringLiteral("earlier run")}});
    // An earlier run overlaid, read "from the store" in one go per series.
    std::mt19937 rng(1);
    for (std::int64_t step = 1; step <= kMleSteps; ++step)
        deliver(view, 2, syntheticStep(QStringLiteral("mle"), step, rng));
    for (std::int64_t step = 1; step <= 300; ++step)
        deliver(view, 2, syntheticStep(QStringLiteral("cpo"), step, rng));

    std::atomic<bool> running{true};
    std::atomic<std::int64_t> delivered{0};
    std::thread producer([&] {
        std::mt19937 producerRng(2);
        const auto period = std::chrono::duration<double>(1.0 / stepsPerSecond);
        auto next = std::chrono::steady_clock::now();
        for (std::int64_t i = 1; running; ++i) {
            const bool mle = i <= kMleSteps;
            auto step = syntheticStep(mle ? QStringLiteral("mle") : QStringLiteral("cpo"),
                                      mle ? i : i - kMleSteps, producerRng);
            QMetaObject::invokeMethod(&view, [&view, &delivered, step = std::move(step)] {
                deliver(view, 1, step);
                ++delivered;
            });
            next += std::chrono::duration_cast<std::chrono::steady_clock::duration>(period);
            std::this_thread::sleep_until(next);
        }
    });

    std::vector<double> lateness;
    QElapsedTimer sinceTick;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(kProbeIntervalMs);
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const double ms = static_cast<double>(sinceTick.nsecsElapsed()) / 1e6;
        sinceTick.restart();
        lateness.push_back(std::max(0.0, ms - kProbeIntervalMs));
    });
    QTimer::singleShot(static_cast<int>(seconds * 1000), &app, [&] {
        running = false;
        QApplication::quit();
    });
    sinceTick.start();
    probe.start();
    QApplication::exec();
    producer.join();
    if (!lateness.empty())
        lateness.erase(lateness.begin()); // the first tick measures start-up, not the loop

    const auto stats = latencyStats(lateness);
    double load = 0.0;
    getloadavg(&load, 1);
    std::printf("%.0f s at %.0f steps/s (%lld steps drawn, %d redraws, %zu probes): "
                "GUI-thread latency p50 %.2f ms, p99 %.2f ms, max %.2f ms; load average %.2f\n",
                seconds, stepsPerSecond, static_cast<long long>(delivered.load()),
                view.redrawCount(), lateness.size(), stats.p50, stats.p99, stats.max, load);
    std::printf("{\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f}\n", stats.p50, stats.p99,
                stats.max);
    return 0;
}
