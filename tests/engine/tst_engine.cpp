// The run session steered while it trains (pause, resume, cancel), resume planning from what
// a store recorded, and queue files expanded into runs.

#include "test_env.h"

#include "engine/run_grid.h"
#include "engine/run_owner.h"
#include "engine/run_resume.h"
#include "engine/run_session.h"
#include "store/run_store.h"
#include "util/error.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <chrono>
#include <fstream>
#include <limits>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using cpo::engine::ExperimentConfig;
using cpo::store::RunStatus;
using cpo::store::RunStore;
using Clock = std::chrono::steady_clock;

// The shipped oracle demo shrunk to seconds, MLE only unless `cpo` is kept.
ExperimentConfig tinyOracle(std::int64_t mleSteps, bool withCpo = false)
{
    std::vector<std::string> overrides{
        "device=cpu",
        "dataset.oracle.train_examples=64",
        "dataset.oracle.validation_examples=16",
        "mle.steps=" + std::to_string(mleSteps),
        "mle.warmup_steps=1",
        "mle.eval_every=0",
        "mle.checkpoint_every=0",
    };
    if (!withCpo)
        overrides.push_back("cpo=null");
    return cpo::engine::loadExperiment(
        (cpo::test::sourceDir() + "/experiments/demo-oracle.json").toStdString(), overrides);
}

void writeFile(const fs::path& file, const std::string& text)
{
    std::ofstream(file) << text;
}

std::int64_t addRun(RunStore& store, const ExperimentConfig& config, const fs::path& runDir,
                    RunStatus status)
{
    cpo::store::RunRecord run;
    run.name = config.name;
    run.status = status;
    run.experimentJson = cpo::engine::toJson(config).dump();
    run.runDir = runDir.string();
    return store.createRun(run);
}

void addPoints(RunStore& store, std::int64_t runId, const std::string& phase,
               std::int64_t from, std::int64_t to)
{
    std::vector<cpo::store::MetricPoint> points;
    for (auto step = from; step <= to; ++step)
        points.push_back({phase, step, phase + "/loss", 1.0, 0.0});
    store.appendMetrics(runId, points);
}

} // namespace

class TestEngine : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void pauseWaitsBetweenStepsAndCancelEndsTheRun();
    void resumePlanFollowsTheLastCheckpoint();
    void resumeRefusesFinishedAndLiveRuns();
    void queueExpandsGridThenListedRuns();
    void queueKeepsInvalidRunsWithTheirError();
    void queueFileErrorsNameTheFile();
};

void TestEngine::pauseWaitsBetweenStepsAndCancelEndsTheRun()
{
    QTemporaryDir dir;
    cpo::engine::RunSession session(tinyOracle(40), dir.path().toStdString());
    struct Seen {
        std::int64_t step = 0;
        Clock::time_point at;
    };
    std::vector<std::int64_t> steps;
    std::vector<std::pair<bool, Seen>> pauses;
    std::thread resumer;
    session.setEventCallback([&](const cpo::engine::RunEvent& event) {
        if (const auto* metrics = std::get_if<cpo::train::StepMetrics>(&event)) {
            steps.push_back(metrics->step);
            if (metrics->step == 2) {
                session.pause();
                resumer = std::thread([&session] {
                    std::this_thread::sleep_for(std::chrono::milliseconds(400));
                    session.resume();
                });
            }
            if (metrics->step == 4)
                session.requestCancel();
        } else if (const auto* pause = std::get_if<cpo::engine::PauseChanged>(&event)) {
            pauses.push_back({pause->paused, {steps.empty() ? 0 : steps.back(), Clock::now()}});
        }
    });
    const auto summary = session.run();
    resumer.join();

    QVERIFY2(summary.outcome == cpo::engine::RunOutcome::Cancelled, summary.message.c_str());
    QCOMPARE(steps, (std::vector<std::int64_t>{1, 2, 3, 4}));
    // Paused after step 2, for as long as nobody resumed it, and no step ran meanwhile.
    QCOMPARE(pauses.size(), std::size_t{2});
    QVERIFY(pauses[0].first && !pauses[1].first);
    QCOMPARE(pauses[0].second.step, std::int64_t{2});
    QCOMPARE(pauses[1].second.step, std::int64_t{2});
    QVERIFY(pauses[1].second.at - pauses[0].second.at >= std::chrono::milliseconds(300));
    // A cancelled phase leaves no checkpoint behind for step 4.
    QVERIFY(!fs::exists(fs::path(dir.path().toStdString()) / "mle" / "step-00000004"));
    QVERIFY(summary.phases.back().outcome == cpo::train::PhaseOutcome::Cancelled);
}

void TestEngine::resumePlanFollowsTheLastCheckpoint()
{
    QTemporaryDir dir;
    RunStore store(fs::path(dir.path().toStdString()) / "runs.sqlite");
    auto config = tinyOracle(10, /*withCpo=*/true);
    config.cpo->steps = 6;
    const fs::path runDir = dir.path().toStdString() + "/run";
    const auto id = addRun(store, config, runDir, RunStatus::Stopped);

    // No checkpoint yet: from the beginning, and everything logged is dropped.
    addPoints(store, id, "mle", 0, 3);
    auto plan = cpo::engine::planResume(store, id);
    QVERIFY(!plan.point && !plan.complete);
    QCOMPARE(plan.runDir, runDir);
    QCOMPARE(plan.config, config);
    QCOMPARE(cpo::engine::discardReplayedRows(store, plan).metrics, 4);

    // Mid-MLE: MLE continues from its checkpoint; later points are dropped.
    addPoints(store, id, "mle", 0, 7);
    store.recordCheckpoint({0, id, "mle", 5, "/r/mle/step-5", {}, 0});
    plan = cpo::engine::planResume(store, id);
    QVERIFY(plan.point);
    QCOMPARE(plan.point->phase, std::string("mle"));
    QCOMPARE(plan.point->checkpoint, std::optional<fs::path>("/r/mle/step-5"));
    QCOMPARE(cpo::engine::discardReplayedRows(store, plan).metrics, 2);
    QCOMPARE(store.lastStep(id, "mle"), std::optional<std::int64_t>(5));

    // MLE checkpointed its last step: CPO starts over from MLE's weights.
    addPoints(store, id, "mle", 6, 10);
    store.recordCheckpoint({0, id, "mle", 10, "/r/mle/step-10", {}, 0});
    addPoints(store, id, "cpo", 1, 2);
    plan = cpo::engine::planResume(store, id);
    QCOMPARE(plan.point->phase, std::string("cpo"));
    QVERIFY(!plan.point->checkpoint);
    QCOMPARE(plan.point->mleWeights, std::optional<fs::path>("/r/mle/step-10"));
    QCOMPARE(cpo::engine::discardReplayedRows(store, plan).metrics, 2);
    QCOMPARE(store.lastStep(id, "mle"), std::optional<std::int64_t>(10));

    // Mid-CPO: CPO continues from its checkpoint, still on MLE's last weights.
    addPoints(store, id, "cpo", 1, 4);
    store.recordCheckpoint({0, id, "cpo", 3, "/r/cpo/step-3", {}, 0});
    plan = cpo::engine::planResume(store, id);
    QCOMPARE(plan.point->checkpoint, std::optional<fs::path>("/r/cpo/step-3"));
    QCOMPARE(plan.point->mleWeights, std::optional<fs::path>("/r/mle/step-10"));
    QCOMPARE(cpo::engine::discardReplayedRows(store, plan).metrics, 1);

    // The last phase checkpointed its last step: nothing to run, nothing dropped.
    store.recordCheckpoint({0, id, "cpo", 6, "/r/cpo/step-6", {}, 0});
    plan = cpo::engine::planResume(store, id);
    QVERIFY(plan.complete);
    QCOMPARE(cpo::engine::discardReplayedRows(store, plan).metrics, 0);
}

void TestEngine::resumeRefusesFinishedAndLiveRuns()
{
    QTemporaryDir dir;
    RunStore store(fs::path(dir.path().toStdString()) / "runs.sqlite");
    const auto config = tinyOracle(4);
    const auto errorOf = [&](std::int64_t id) {
        try {
            cpo::engine::planResume(store, id);
        } catch (const cpo::Error& e) {
            return QString::fromStdString(e.what());
        }
        return QString();
    };
    const auto finished = addRun(store, config, "/r", RunStatus::Finished);
    QVERIFY(errorOf(finished).contains("nothing left to run"));
    const auto cancelled = addRun(store, config, "/r", RunStatus::Cancelled);
    QVERIFY(errorOf(cancelled).contains("cancelled"));
    const auto live = addRun(store, config, "/r", RunStatus::Running);
    store.setOwner(live, QCoreApplication::applicationPid(), cpo::engine::hostName());
    QVERIFY(errorOf(live).contains(QString("still being run by process %1")
                                       .arg(QCoreApplication::applicationPid())));
    QVERIFY(errorOf(999).contains("no run 999 in"));
    const auto queued = addRun(store, config, "/r", RunStatus::Queued);
    QVERIFY(errorOf(queued).isEmpty());
}

void TestEngine::queueExpandsGridThenListedRuns()
{
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    writeFile(root / "queue.json",
              "// β × K, then a DPO baseline\n"
              "{\"experiment\": \"" + cpo::test::sourceDir().toStdString() +
                  "/experiments/demo-oracle.json\",\n"
                  " \"set\": {\"cpo.steps\": 7},\n"
                  " \"grid\": {\"cpo.k\": [2, 4], \"cpo.beta\": [1, 5]},\n"
                  " \"runs\": [{\"name\": \"dpo\", \"set\": {\"cpo.k\": 2, \"cpo.sampler\": \"an\"}}]}");
    const auto queue = cpo::engine::loadQueue(root / "queue.json");
    QCOMPARE(queue.size(), std::size_t{5});
    // Keys in alphabetical order, the last varying fastest.
    const std::vector<std::pair<double, std::int64_t>> expected{{1, 2}, {1, 4}, {5, 2}, {5, 4}};
    for (std::size_t i = 0; i < expected.size(); ++i) {
        QVERIFY2(queue[i].config, queue[i].error.c_str());
        QCOMPARE(queue[i].config->cpo->beta, expected[i].first);
        QCOMPARE(queue[i].config->cpo->k, expected[i].second);
        QCOMPARE(queue[i].config->cpo->steps, std::int64_t{7});
        QCOMPARE(queue[i].config->name, queue[i].name);
    }
    QCOMPARE(queue[0].name, std::string("demo-oracle cpo.beta=1 cpo.k=2"));
    QCOMPARE(queue[4].name, std::string("dpo"));
    QCOMPARE(queue[4].config->cpo->k, std::int64_t{2});
    QVERIFY(queue[4].config->cpo->sampler == cpo::engine::SamplerKind::An);
}

void TestEngine::queueKeepsInvalidRunsWithTheirError()
{
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    fs::copy_file(cpo::test::sourceDir().toStdString() + "/experiments/demo-oracle.json",
                  root / "base.json");
    writeFile(root / "queue.json",
              R"({"experiment": "base.json",
                  "runs": [{"name": "good"}, {"name": "bad", "set": {"cpo.k": 0}},
                           {"name": "typo", "set": {"cpo.bta": 1}}]})");
    const auto queue = cpo::engine::loadQueue(root / "queue.json"); // relative to the file
    QCOMPARE(queue.size(), std::size_t{3});
    QVERIFY(queue[0].config && queue[0].error.empty());
    QVERIFY(!queue[1].config);
    QVERIFY2(queue[1].error.find("cpo.k") != std::string::npos, queue[1].error.c_str());
    QVERIFY(!queue[2].config);
    QVERIFY2(queue[2].error.find("cpo.bta") != std::string::npos, queue[2].error.c_str());
}

void TestEngine::queueFileErrorsNameTheFile()
{
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    const auto errorOf = [&](const std::string& text) {
        writeFile(root / "q.json", text);
        try {
            cpo::engine::loadQueue(root / "q.json");
        } catch (const cpo::Error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    const auto base = "\"experiment\": \"" + cpo::test::sourceDir().toStdString() +
                      "/experiments/demo-oracle.json\"";
    for (const auto& [text, mentions] : std::vector<std::pair<std::string, std::string>>{
             {"{" + base + "}", "nothing to queue"},
             {"{" + base + ", \"grid\": {\"cpo.k\": []}}", "grid.cpo.k"},
             {"{" + base + ", \"grdi\": {}}", "unknown field \"grdi\""},
             {"{\"grid\": {\"cpo.k\": [2]}}", "\"experiment\""},
             {"{\"experiment\": \"missing.json\", \"runs\": [{\"name\": \"a\"}]}",
              "missing.json"},
         }) {
        const auto error = errorOf(text);
        QVERIFY2(error.find(mentions) != std::string::npos, (text + " -> " + error).c_str());
        QVERIFY2(error.find("q.json") != std::string::npos || mentions == "missing.json",
                 error.c_str());
    }
}

QTEST_GUILESS_MAIN(TestEngine)
#include "tst_engine.moc"
