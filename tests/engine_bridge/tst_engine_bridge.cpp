// The engine bridge drives a real run: a tiny demo run started through it trains on the
// host's thread, its events reach the GUI thread as values, the dashboard's graphs hold
// exactly the points the store recorded, and pause and stop steer it between two steps.

#include "dashboard/dashboard_view.h"
#include "dashboard/metric_families.h"
#include "dashboard/metric_plot.h"
#include "engine/experiment.h"
#include "engine/run_host.h"
#include "engine_bridge.h"
#include "queued_call.h"
#include "store/run_store.h"
#include "test_env.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <tuple>
#include <type_traits>

using cpo::ui::DashboardView;
using cpo::ui::EngineBridge;

namespace {

// The shipped oracle demo shrunk to seconds: a few MLE steps, then a few CPO steps.
cpo::engine::RunRequest tinyDemo(const QString& outDir, std::int64_t cpoSteps)
{
    const std::vector<std::string> overrides{
        "device=cpu",
        "dataset.oracle.train_examples=64",
        "dataset.oracle.validation_examples=16",
        "mle.steps=6",
        "mle.warmup_steps=1",
        "mle.eval_every=3",
        "mle.checkpoint_every=0",
        "cpo.steps=" + std::to_string(cpoSteps),
        "cpo.samples_every=0",
        "eval=null",
    };
    cpo::engine::RunRequest request;
    request.config = cpo::engine::loadExperiment(
        (cpo::test::sourceDir() + "/experiments/demo-oracle.json").toStdString(), overrides);
    request.outDir = outDir.toStdString();
    return request;
}

// engine::toString is found by QTest through ADL and returns a string_view, not a char*:
// QCOMPARE the outcome's name instead.
QString outcomeOf(const cpo::engine::RunSummary& summary)
{
    const auto name = cpo::engine::toString(summary.outcome);
    return QString::fromLatin1(name.data(), static_cast<qsizetype>(name.size()));
}

int graphPoints(DashboardView& view, std::int64_t run, const QString& key)
{
    const auto place = cpo::ui::curvePlace(key);
    const auto* curve = view.plot(place->family)->findCurve(run, place->curve);
    return curve ? curve->raw->data()->size() : 0;
}

// The bridge emits on its own and the engine's threads; the GUI receives its signals queued.
// Qt 6.4's QSignalSpy records through a direct connection, without a lock: a spy on the
// bridge itself would append on those threads while the test reads it (ThreadSanitizer's
// report). The spies watch this relay instead, which re-emits each signal on the test's
// thread through a QueuedCallReceiver, so a ThreadSanitizer build sees the hand-over too.
class GuiSide : public QObject {
    Q_OBJECT

public:
    explicit GuiSide(EngineBridge& bridge)
    {
        relay(bridge, &EngineBridge::runStarted, &GuiSide::runStarted);
        relay(bridge, &EngineBridge::runEvent, &GuiSide::runEvent);
        relay(bridge, &EngineBridge::pointsArrived, &GuiSide::pointsArrived);
        relay(bridge, &EngineBridge::pauseChanged, &GuiSide::pauseChanged);
        relay(bridge, &EngineBridge::runFinished, &GuiSide::runFinished);
        relay(bridge, &EngineBridge::failed, &GuiSide::failed);
    }

Q_SIGNALS:
    void runStarted(qint64 runId);
    void runEvent(qint64 runId, const cpo::engine::RunEvent& event);
    void pointsArrived(qint64 runId, const std::vector<cpo::ui::SeriesPoint>& points);
    void pauseChanged(qint64 runId, bool paused);
    void runFinished(qint64 runId, const cpo::engine::RunSummary& summary);
    void failed(const QString& message);

private:
    template <typename... Args>
    void relay(EngineBridge& bridge, void (EngineBridge::*from)(Args...),
               void (GuiSide::*to)(Args...))
    {
        const auto onEmittingThread = [this, to](Args... args) {
            // The values are copied on the emitting thread and handed over queued.
            auto values = std::make_tuple(std::decay_t<Args>(args)...);
            m_receiver.post([this, to, values = std::move(values)] {
                std::apply([this, to](const auto&... value) { (this->*to)(value...); }, values);
            });
        };
        connect(&bridge, from, this, onEmittingThread, Qt::DirectConnection);
    }

    cpo::ui::QueuedCallReceiver m_receiver; // on the test's thread
};

} // namespace

class TestEngineBridge : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void tinyRunFinishesAndTheDashboardHoldsItsPoints()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("runs.sqlite"));
        DashboardView view;
        EngineBridge bridge(db);
        GuiSide gui(bridge);
        connect(&gui, &GuiSide::pointsArrived, &view,
                [&view](qint64 run, const std::vector<cpo::ui::SeriesPoint>& points) {
                    for (const auto& p : points)
                        view.appendPoints(run, p.key, {&p.step, 1}, {&p.value, 1});
                });
        QSignalSpy started(&gui, &GuiSide::runStarted);
        QSignalSpy finished(&gui, &GuiSide::runFinished);
        QSignalSpy failed(&gui, &GuiSide::failed);
        bridge.start(tinyDemo(dir.filePath(QStringLiteral("run")), 3));
        QVERIFY(finished.wait(240000));
        QCOMPARE(failed.count(), 0);
        QCOMPARE(started.count(), 1);
        const qint64 runId = started.first().first().toLongLong();
        const auto summary = finished.first().at(1).value<cpo::engine::RunSummary>();
        QCOMPARE(outcomeOf(summary), QStringLiteral("finished"));

        cpo::store::RunStore store(db.toStdString(), cpo::store::OpenMode::ReadOnly);
        for (const char* key : {"mle/loss", "mle/val_loss", "cpo/loss", "cpo/accuracy",
                                "cpo/kendall_tau"}) {
            const auto stored = store.readSeries(runId, key);
            QVERIFY2(!stored.steps.empty(), key);
            QCOMPARE(graphPoints(view, runId, QString::fromLatin1(key)),
                     static_cast<int>(stored.steps.size()));
        }
        QCOMPARE(store.getRun(runId)->status, cpo::store::RunStatus::Finished);
    }

    void pauseHoldsTheRunAndStopLeavesACheckpoint()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("runs.sqlite"));
        EngineBridge bridge(db);
        GuiSide gui(bridge);
        QSignalSpy started(&gui, &GuiSide::runStarted);
        QSignalSpy paused(&gui, &GuiSide::pauseChanged);
        QSignalSpy finished(&gui, &GuiSide::runFinished);
        QSignalSpy events(&gui, &GuiSide::runEvent);
        bridge.start(tinyDemo(dir.filePath(QStringLiteral("run")), 2000));
        QVERIFY(started.wait(60000));
        bridge.pause();
        QTRY_VERIFY_WITH_TIMEOUT(!paused.isEmpty(), 120000);
        QCOMPARE(paused.first().at(1).toBool(), true);
        const auto eventsWhenPaused = events.count();
        QTest::qWait(1500);
        QCOMPARE(events.count(), eventsWhenPaused); // no step while paused
        bridge.stop(); // stop while paused: the run checkpoints and ends
        QVERIFY(finished.wait(120000));
        const auto summary = finished.first().at(1).value<cpo::engine::RunSummary>();
        QCOMPARE(outcomeOf(summary), QStringLiteral("stopped"));
        cpo::store::RunStore store(db.toStdString(), cpo::store::OpenMode::ReadOnly);
        const qint64 runId = started.first().first().toLongLong();
        QCOMPARE(store.getRun(runId)->status, cpo::store::RunStatus::Stopped);
        QVERIFY(store.latestCheckpoint(runId).has_value());
    }
};

QTEST_MAIN(TestEngineBridge)
#include "tst_engine_bridge.moc"
