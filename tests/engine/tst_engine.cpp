// The run session steered while it trains (pause, resume, cancel), resume planning from what
// a store recorded, queue files expanded into runs, and the run host that records runs and
// hands their events on.

#include "cli_runner.h"
#include "test_env.h"

#include "engine/alpha_oracle_values.h"
#include "engine/alpha_sweep_session.h"
#include "engine/generation_session.h"
#include "engine/phase_options.h"
#include "engine/run_catalog.h"
#include "engine/run_grid.h"
#include "engine/run_host.h"
#include "engine/run_owner.h"
#include "engine/run_recorder.h"
#include "engine/run_resume.h"
#include "engine/run_session.h"
#include "oracle/oracle_task.h"
#include "store/evaluation_store.h"
#include "store/run_store.h"
#include "util/config_reader.h"
#include "util/error.h"
#include "util/version.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

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
        "eval=null",
    };
    if (!withCpo)
        overrides.push_back("cpo=null");
    return cpo::engine::loadExperiment(
        (cpo::test::sourceDir() + "/experiments/demo-oracle.json").toStdString(), overrides);
}

// The demo with MLE and a short CPO phase that samples, checkpoints and validates: every kind
// of event a run emits, in seconds. As `cpo run --set` arguments.
const std::vector<std::string> kShortDemo{
    "device=cpu",
    "dataset.oracle.train_examples=64",
    "dataset.oracle.validation_examples=16",
    "mle.steps=6",
    "mle.warmup_steps=1",
    "mle.eval_every=3",
    "mle.checkpoint_every=3",
    "cpo.steps=4",
    "cpo.samples_every=2",
    "cpo.checkpoint_every=2",
    "eval.every=3",
    "eval.examples=16",
};

ExperimentConfig shortDemo()
{
    return cpo::engine::loadExperiment(
        (cpo::test::sourceDir() + "/experiments/demo-oracle.json").toStdString(), kShortDemo);
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

using nlohmann::json;

// Every leaf under `value` (objects are walked, anything else is a leaf).
void collectLeaves(const json& value, const json::json_pointer& at,
                   std::vector<json::json_pointer>& out)
{
    if (!value.is_object()) {
        out.push_back(at);
        return;
    }
    for (const auto& [key, child] : value.items())
        collectLeaves(child, at / key, out);
}

// Another value for the field at `path` that still makes a valid experiment and survives into
// its canonical form, or none.
std::optional<ExperimentConfig> perturbed(const json& canonical, const json::json_pointer& path)
{
    const auto& value = canonical.at(path);
    std::vector<json> candidates;
    if (value.is_boolean()) {
        candidates = {!value.get<bool>()};
    } else if (value.is_number_integer()) {
        const auto v = value.get<std::int64_t>();
        candidates = {v + 1, v + 2, v - 1, v * 2, v / 2};
    } else if (value.is_number()) {
        const auto v = value.get<double>();
        candidates = {v * 1.5 + 0.25, v * 0.5, v + 0.05, v - 0.05, v * 0.9};
    } else if (value.is_string()) {
        for (const char* name : {"an", "bn", "mn", "tn", "mix", "constant", "cosine", "linear",
                                 "gpt2", "llama"})
            candidates.emplace_back(name);
    }
    const auto attempt = [&](const json& changed, const json& candidate)
        -> std::optional<ExperimentConfig> {
        try {
            auto config = cpo::engine::parseExperiment(changed, "reach");
            if (cpo::engine::toJson(config).at(path) == candidate)
                return config;
        } catch (const cpo::ConfigError&) {
        }
        return std::nullopt;
    };
    for (const auto& candidate : candidates) {
        if (candidate == value)
            continue;
        auto changed = canonical;
        changed[path] = candidate;
        if (auto config = attempt(changed, candidate))
            return config;
        // Fields that only change together with another: mix weights and stratification
        // belong to MixN alone, and grouped-query heads must divide the heads.
        if (path.to_string() == "/cpo/sampler" && changed["cpo"].contains("mix_weights")) {
            changed["cpo"].erase("mix_weights");
            changed["cpo"].erase("mix_stratified");
            if (auto config = attempt(changed, candidate))
                return config;
        }
        if (path.to_string() == "/model/init/num_heads") {
            changed["model"]["init"]["num_kv_heads"] = candidate;
            if (auto config = attempt(changed, candidate))
                return config;
        }
    }
    return std::nullopt;
}

// What the CPO trainer and the model factory receive from an experiment, as one document.
std::string received(const ExperimentConfig& config, const cpo::tokenize::Tokenizer& tokenizer)
{
    const auto o = cpo::engine::cpoOptionsFor(config, tokenizer);
    const auto& opt = o.optimizer;
    const auto& s = o.sampler;
    return json{{"model", cpo::model::configToJson(
                              cpo::engine::modelConfigFor(*config.model.init, tokenizer))},
                {"cpo",
                 {o.steps, o.batchSize, o.gradAccumulation, opt.lr, opt.weightDecay, opt.beta1,
                  opt.beta2, opt.eps, opt.warmupSteps, static_cast<int>(opt.schedule),
                  opt.minLrRatio, opt.gradClip, o.k, o.beta, o.lambdaMle,
                  static_cast<int>(s.kind), s.mixWeights, s.mixStratified, s.mnFraction,
                  s.an.sampling.temperature, s.an.sampling.topK, s.an.sampling.topP,
                  s.an.maxNewTokens, o.ranking, o.metricsEvery, o.samplesEvery,
                  o.checkpointEvery, o.evalEvery, o.evalExamples, o.seed, o.eosId}}}
        .dump();
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
    void hostDeliversEveryEventAfterTheRecorderStoredIt();
    void hostStopsAndResumesARunOnItsWorker();
    void hostRunLandsInTheStoreAsCpoRunDoes();
    void configFieldsReachTheTrainers();
    void generationSessionGeneratesAsCpoGenerateDoes();
    void fullStoreStillRecordsTheFailure();
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
    // The checkpoint folders are not there: this is about the plan, not the files.
    cpo::engine::ResumeChoice newest;
    newest.check = [](const cpo::store::CheckpointRecord&) { return std::nullopt; };

    // No checkpoint yet: from the beginning, and everything logged is dropped.
    addPoints(store, id, "mle", 0, 3);
    auto plan = cpo::engine::planResume(store, id, newest);
    QVERIFY(!plan.point && !plan.complete);
    QCOMPARE(plan.runDir, runDir);
    QCOMPARE(plan.config, config);
    QCOMPARE(cpo::engine::discardReplayedRows(store, plan).metrics, 4);

    // Mid-MLE: MLE continues from its checkpoint; later points are dropped.
    addPoints(store, id, "mle", 0, 7);
    store.recordCheckpoint({0, id, "mle", 5, "/r/mle/step-5", {}, 0});
    plan = cpo::engine::planResume(store, id, newest);
    QVERIFY(plan.point);
    QCOMPARE(plan.point->phase, std::string("mle"));
    QCOMPARE(plan.point->checkpoint, std::optional<fs::path>("/r/mle/step-5"));
    QCOMPARE(cpo::engine::discardReplayedRows(store, plan).metrics, 2);
    QCOMPARE(store.lastStep(id, "mle"), std::optional<std::int64_t>(5));

    // MLE checkpointed its last step: CPO starts over from MLE's weights.
    addPoints(store, id, "mle", 6, 10);
    store.recordCheckpoint({0, id, "mle", 10, "/r/mle/step-10", {}, 0});
    addPoints(store, id, "cpo", 1, 2);
    plan = cpo::engine::planResume(store, id, newest);
    QCOMPARE(plan.point->phase, std::string("cpo"));
    QVERIFY(!plan.point->checkpoint);
    QCOMPARE(plan.point->mleWeights, std::optional<fs::path>("/r/mle/step-10"));
    QCOMPARE(cpo::engine::discardReplayedRows(store, plan).metrics, 2);
    QCOMPARE(store.lastStep(id, "mle"), std::optional<std::int64_t>(10));

    // Mid-CPO: CPO continues from its checkpoint, still on MLE's last weights.
    addPoints(store, id, "cpo", 1, 4);
    store.recordCheckpoint({0, id, "cpo", 3, "/r/cpo/step-3", {}, 0});
    plan = cpo::engine::planResume(store, id, newest);
    QCOMPARE(plan.point->checkpoint, std::optional<fs::path>("/r/cpo/step-3"));
    QCOMPARE(plan.point->mleWeights, std::optional<fs::path>("/r/mle/step-10"));
    QCOMPARE(cpo::engine::discardReplayedRows(store, plan).metrics, 1);

    // The last phase checkpointed its last step: nothing to run, nothing dropped.
    store.recordCheckpoint({0, id, "cpo", 6, "/r/cpo/step-6", {}, 0});
    plan = cpo::engine::planResume(store, id, newest);
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
    QVERIFY(queue[4].config->cpo->sampler.kind == cpo::engine::SamplerKind::An);
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

void TestEngine::hostDeliversEveryEventAfterTheRecorderStoredIt()
{
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    cpo::engine::RunHost host(root / "runs.sqlite");
    std::vector<cpo::engine::RunEvent> events;
    std::vector<std::int64_t> eventRuns;
    QStringList unstored; // events a listener saw before the store had them
    std::unique_ptr<RunStore> reader; // the listener's own connection, on the engine thread
    host.addListener([&](std::int64_t runId, const cpo::engine::RunEvent& event) {
        if (!reader)
            reader = std::make_unique<RunStore>(root / "runs.sqlite",
                                                cpo::store::OpenMode::ReadOnly);
        events.push_back(event);
        eventRuns.push_back(runId);
        if (const auto* saved = std::get_if<cpo::train::CheckpointSaved>(&event)) {
            const auto last = reader->latestCheckpoint(runId);
            if (!last || last->step != saved->step || last->path != saved->path.string())
                unstored << QString("checkpoint at step %1").arg(saved->step);
        } else if (const auto* set = std::get_if<cpo::engine::DecodedSampleSet>(&event)) {
            const auto sets = reader->readSampleSets(runId);
            if (sets.empty() || sets.back().step != set->set.step ||
                sets.back().candidates.size() != set->set.candidates.size())
                unstored << QString("sample set at step %1").arg(set->set.step);
        } else if (const auto* judged = std::get_if<cpo::engine::EvaluationFinished>(&event)) {
            const auto stored = cpo::store::EvaluationStore(reader->database()).evaluations(runId);
            if (std::ranges::find(stored, judged->evaluationId,
                                  &cpo::store::EvaluationRecord::id) == stored.end())
                unstored << QString("%1 evaluation at step %2")
                                .arg(QString::fromStdString(judged->phase))
                                .arg(judged->step);
        } else if (const auto* finished = std::get_if<cpo::engine::RunFinished>(&event)) {
            const auto run = reader->getRun(runId);
            if (!run || run->status != RunStatus::Finished || run->ownerPid ||
                finished->summary.runId != runId)
                unstored << "the finished status";
        }
    });
    const auto id = host.start({shortDemo(), root / "run", 1.0});
    QVERIFY(id > 0);
    QCOMPARE(host.activeRun().value_or(id), id); // running, or already done
    const auto summary = host.wait();
    QVERIFY2(summary.outcome == cpo::engine::RunOutcome::Finished, summary.message.c_str());
    QCOMPARE(summary.runId, id);
    QVERIFY(!host.activeRun());
    QVERIFY2(unstored.isEmpty(), qPrintable(unstored.join(", ")));

    // Every event reached the listener, for this run, ending with RunFinished.
    QVERIFY(std::all_of(eventRuns.begin(), eventRuns.end(), [id](auto r) { return r == id; }));
    QVERIFY(std::holds_alternative<cpo::engine::RunFinished>(events.back()));
    const auto count = [&](auto probe) {
        return std::count_if(events.begin(), events.end(), [&](const auto& event) {
            return std::holds_alternative<decltype(probe)>(event);
        });
    };
    QCOMPARE(count(cpo::train::StepMetrics{}), 6);
    QCOMPARE(count(cpo::train::CpoStepMetrics{}), 4);
    QCOMPARE(count(cpo::engine::DecodedSampleSet{}), 2);
    QCOMPARE(count(cpo::train::CheckpointSaved{}), 4);
    QCOMPARE(count(cpo::engine::PhaseEnded{}), 2);
    QCOMPARE(count(cpo::engine::RunFinished{}), 1);
    // The eval block (every 3 steps, 16 prompts): MLE at 3, CPO at 3, then the final
    // evaluation of MLE, CPO and the demo's three ensembles, each a row of 16 generations,
    // the ensembles also an α sweep; the summary carries the final win rates.
    QCOMPARE(count(cpo::engine::EvaluationFinished{}), 3);
    QCOMPARE(summary.evaluation.size(), std::size_t{5});
    QCOMPARE(summary.evaluation[1].model, std::string("cpo"));
    QCOMPARE(summary.evaluation[4].model, std::string("alpha=0.75"));
    RunStore rows(root / "runs.sqlite");
    cpo::store::EvaluationStore evaluations(rows.database());
    const auto stored = evaluations.evaluations(id);
    QCOMPARE(stored.size(), std::size_t{7});
    for (const auto& evaluation : stored) {
        QCOMPARE(evaluations.generations(evaluation.id).size(), std::size_t{16});
        QCOMPARE(evaluation.judge, std::string("oracle"));
    }
    const auto sweeps = evaluations.alphaSweeps(id);
    QCOMPARE(sweeps.size(), std::size_t{1});
    QCOMPARE(sweeps[0].points.size(), std::size_t{3});
    QCOMPARE(sweeps[0].points[1].winRate, summary.evaluation[3].winRate);
    // Each α's quality and coverage on the oracle task are stored with it (the α view's
    // second axis).
    for (const auto& values : cpo::engine::alphaOracleValues(sweeps[0], stored))
        QVERIFY(values.quality && values.coverage && *values.quality > 0.0);

    // A sweep of the finished run cancelled while its first α is evaluated stops before the
    // second: the α finished is stored as a sweep, with its quality and coverage, and the
    // run's earlier sweep is left as it was.
    cpo::engine::AlphaSweepRequest request;
    request.runDir = root / "run";
    request.mleModel = *cpo::engine::lastPhaseCheckpoint(request.runDir, "mle");
    request.cpoModel = *cpo::engine::lastPhaseCheckpoint(request.runDir, "cpo");
    request.alphas = {0.0, 0.5, 1.0};
    request.examples = 8;
    request.judgeFile = cpo::test::sourceDir().toStdString() + "/experiments/judges/oracle.json";
    request.db = root / "runs.sqlite";
    bool cancel = false;
    const auto cancelled = cpo::engine::runAlphaSweep(
        request, [&](std::size_t, std::size_t, const cpo::engine::AlphaPoint&) { cancel = true; },
        {}, [&] { return cancel; });
    QVERIFY(cancelled.cancelled && cancelled.stored);
    QCOMPARE(cancelled.points.size(), std::size_t{1});
    const auto after = evaluations.alphaSweeps(id);
    QCOMPARE(after.size(), std::size_t{2});
    QCOMPARE(after[0].points.size(), sweeps[0].points.size());
    QCOMPARE(after[0].points[1].winRate, sweeps[0].points[1].winRate);
    QCOMPARE(after[1].points.size(), std::size_t{1});
    QCOMPARE(after[1].points[0].alpha, 0.0);
    const auto partial = cpo::engine::alphaOracleValues(after[1], evaluations.evaluations(id));
    QVERIFY(partial[0].quality && partial[0].coverage);
    // What the listener saw is what the store holds, step for step.
    cpo::engine::RunCatalog catalog(root / "runs.sqlite");
    QCOMPARE(catalog.series(id, "mle/loss").steps.size(), std::size_t{6});
    QCOMPARE(catalog.series(id, "cpo/loss").steps.size(), std::size_t{4});
    QCOMPARE(catalog.checkpoints(id).size(), std::size_t{4});
    const auto listed = catalog.runs();
    QCOMPARE(listed.size(), std::size_t{1});
    QCOMPARE(listed[0].stepsDone, std::int64_t{10});
    QCOMPARE(listed[0].sampler, std::string("mix"));
    QCOMPARE(listed[0].k.value_or(0), std::int64_t{4});
    QVERIFY(listed[0].finalValLoss && listed[0].cpoAccuracy);
}

void TestEngine::hostStopsAndResumesARunOnItsWorker()
{
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    cpo::engine::RunHost host(root / "runs.sqlite");
    cpo::engine::RunHost* steer = &host;
    std::vector<std::int64_t> steps;
    host.addListener([&](std::int64_t, const cpo::engine::RunEvent& event) {
        if (const auto* metrics = std::get_if<cpo::train::StepMetrics>(&event)) {
            steps.push_back(metrics->step);
            if (metrics->step == 4)
                steer->stop(); // as the GUI's stop button does, between two steps
        }
    });
    auto config = tinyOracle(8);
    const auto id = host.start({config, root / "run", 1.0});
    const auto stopped = host.wait();
    QVERIFY2(stopped.outcome == cpo::engine::RunOutcome::Stopped, stopped.message.c_str());
    QCOMPARE(steps, (std::vector<std::int64_t>{1, 2, 3, 4}));
    cpo::engine::RunCatalog catalog(root / "runs.sqlite");
    QCOMPARE(catalog.run(id)->status, RunStatus::Stopped);
    const auto before = catalog.dataVersion();

    QCOMPARE(host.startResume(id), id);
    const auto resumed = host.wait();
    QVERIFY2(resumed.outcome == cpo::engine::RunOutcome::Finished, resumed.message.c_str());
    QVERIFY(resumed.resumedFrom.find("step 4") != std::string::npos);
    QCOMPARE(steps, (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
    QCOMPARE(catalog.series(id, "mle/loss").steps,
             (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
    QCOMPARE(catalog.run(id)->status, RunStatus::Finished);
    QVERIFY(catalog.dataVersion() != before); // the host's writes are visible to a poller

    catalog.setTags(id, {"baseline", "β=5"});
    catalog.setNotes(id, "resumed once");
    QCOMPARE(catalog.runs().front().tags, (std::vector<std::string>{"baseline", "β=5"}));
    QCOMPARE(catalog.run(id)->notes, std::string("resumed once"));
}

void TestEngine::hostRunLandsInTheStoreAsCpoRunDoes()
{
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    QStringList arguments{"run", cpo::test::sourceDir() + "/experiments/demo-oracle.json",
                          "--out", QString::fromStdString((root / "cli-run").string()), "--db",
                          QString::fromStdString((root / "cli.sqlite").string())};
    for (const auto& value : kShortDemo)
        arguments << "--set" << QString::fromStdString(value);
    const auto cli = cpo::test::runCpo(arguments);
    QVERIFY2(cli.exitCode == 0, cli.err.constData());

    cpo::engine::RunHost host(root / "host.sqlite");
    const auto summary = host.run({shortDemo(), root / "host-run", 1.0});
    QVERIFY2(summary.outcome == cpo::engine::RunOutcome::Finished, summary.message.c_str());

    RunStore fromCli(root / "cli.sqlite", cpo::store::OpenMode::ReadOnly);
    RunStore fromHost(root / "host.sqlite", cpo::store::OpenMode::ReadOnly);
    const auto a = fromCli.listRuns();
    const auto b = fromHost.listRuns();
    QCOMPARE(a.size(), std::size_t{1});
    QCOMPARE(b.size(), std::size_t{1});
    QCOMPARE(b[0].name, a[0].name);
    QCOMPARE(b[0].status, a[0].status);
    QCOMPARE(b[0].experimentJson, a[0].experimentJson);
    QCOMPARE(b[0].configHash, a[0].configHash);
    QCOMPARE(b[0].appVersion, a[0].appVersion);
    QCOMPARE(b[0].gitRevision, a[0].gitRevision);
    // One version string: the run row's is what `cpo --version` prints (and the About box).
    const auto version = cpo::test::runCpo({"--version"});
    QCOMPARE(version.out.trimmed().toStdString(), a[0].appVersion);
    QCOMPARE(a[0].appVersion, std::string(cpo::versionString()));
    QCOMPARE(b[0].deviceInfo, a[0].deviceInfo);
    QCOMPARE(b[0].error, a[0].error);
    QVERIFY(!b[0].ownerPid && !a[0].ownerPid);
    QCOMPARE(fs::path(b[0].runDir), root / "host-run");

    const auto keys = fromCli.seriesKeys(a[0].id);
    QCOMPARE(fromHost.seriesKeys(b[0].id), keys);
    for (const auto& key : keys) {
        if (key.ends_with("tokens_per_s"))
            continue; // a rate of this machine at that moment
        const auto x = fromCli.readSeries(a[0].id, key);
        const auto y = fromHost.readSeries(b[0].id, key);
        QCOMPARE(y.steps, x.steps);
        for (std::size_t i = 0; i < x.values.size(); ++i)
            QVERIFY2(std::abs(y.values[i] - x.values[i]) <= 1e-6 * (1 + std::abs(x.values[i])),
                     (key + " at step " + std::to_string(x.steps[i])).c_str());
    }
    const auto checkpointsOf = [](RunStore& store, std::int64_t id) {
        std::vector<std::pair<std::string, std::int64_t>> steps;
        for (const auto& checkpoint : store.listCheckpoints(id))
            steps.emplace_back(checkpoint.phase, checkpoint.step);
        return steps;
    };
    QCOMPARE(checkpointsOf(fromHost, b[0].id), checkpointsOf(fromCli, a[0].id));
    const auto setsA = fromCli.readSampleSets(a[0].id);
    const auto setsB = fromHost.readSampleSets(b[0].id);
    QCOMPARE(setsB.size(), setsA.size());
    for (std::size_t i = 0; i < setsA.size(); ++i) {
        QCOMPARE(setsB[i].step, setsA[i].step);
        QCOMPARE(setsB[i].prompt, setsA[i].prompt);
        QCOMPARE(setsB[i].candidates.size(), setsA[i].candidates.size());
        for (std::size_t c = 0; c < setsA[i].candidates.size(); ++c)
            QCOMPARE(setsB[i].candidates[c].tokenIds, setsA[i].candidates[c].tokenIds);
    }
    QCOMPARE(fromHost.listAlerts(b[0].id).size(), fromCli.listAlerts(a[0].id).size());
}

void TestEngine::configFieldsReachTheTrainers()
{
    // Each field of the cpo and model.init blocks, changed to another valid value, changes
    // what the CPO trainer or the model factory receives: none is parsed and then dropped.
    // (mle and dataset.oracle are the trainer's and the task's own option structs.)
    const auto gpt2 = shortDemo();
    auto llamaJson = cpo::engine::toJson(gpt2);
    llamaJson["model"]["init"]["arch"] = "llama";
    // GPT-2 always ties its embeddings and has no grouped-query attention: those two fields
    // are walked on the Llama variant.
    const auto llama = cpo::engine::parseExperiment(llamaJson, "llama variant");
    const cpo::data::OracleTokenizer tokenizer(gpt2.dataset.oracle.symbols);
    QStringList unchecked;
    QStringList dropped;
    std::size_t walked = 0;
    for (const auto* base : {&gpt2, &llama}) {
        const auto canonical = cpo::engine::toJson(*base);
        const auto before = received(*base, tokenizer);
        std::vector<json::json_pointer> paths;
        for (const char* block : {"/cpo", "/model/init"})
            collectLeaves(canonical.at(json::json_pointer(block)), json::json_pointer(block),
                          paths);
        for (const auto& path : paths) {
            const auto name = path.to_string();
            // A model folder the session loads as the ranking embedding: not an option value.
            if (name == "/cpo/embedding_model" ||
                (base == &gpt2 &&
                 (name == "/model/init/num_kv_heads" || name == "/model/init/tie_word_embeddings")) ||
                (base == &llama && name == "/model/init/arch")) // walked on GPT-2
                continue;
            ++walked;
            const auto changed = perturbed(canonical, path);
            if (!changed)
                unchecked << QString::fromStdString(name);
            else if (received(*changed, tokenizer) == before)
                dropped << QString::fromStdString(name);
        }
    }
    QVERIFY(walked > 60);
    QVERIFY2(dropped.isEmpty(), qPrintable("parsed but never reach a trainer: " +
                                           dropped.join(", ")));
    QVERIFY2(unchecked.isEmpty(), qPrintable("no other valid value found for: " +
                                             unchecked.join(", ")));
}

void TestEngine::generationSessionGeneratesAsCpoGenerateDoes()
{
    // The playground's worker and `cpo generate` share one session: the same model, prompt,
    // settings and seed give the same tokens through either.
    const QString data = cpo::test::sharedDataDir();
    if (data.isEmpty())
        QSKIP("../shared/data is absent (set CPO_TEST_DATA_DIR): no GPT-2 vocabulary to test");
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    writeFile(root / "gpt2.json",
              R"({"vocab_size": 50257, "n_embd": 32, "n_layer": 2, "n_head": 4,
                  "n_positions": 64, "bos_token_id": 50256, "eos_token_id": 50256})");
    const QString model = dir.filePath("gpt2-model");
    const auto init = cpo::test::runCpo({"init-model", "--arch", "gpt2", "--config",
                                         dir.filePath("gpt2.json"), "--seed", "3", "--out",
                                         model});
    QVERIFY2(init.exitCode == 0, init.err.constData());
    const QString tokenizer = data + "/gpt2-bpe";
    const auto cli =
        cpo::test::runCpo({"generate", "--model", model, "--tokenizer", tokenizer, "--prompt",
                           "Hello world", "--max-new", "12", "--seed", "5", "--json"});
    QVERIFY2(cli.exitCode == 0, cli.err.constData());
    std::vector<std::int32_t> expected;
    for (const auto& token : cpo::test::parseSingleJson(cli.out)["tokens"].toArray())
        expected.push_back(token.toInt());

    cpo::engine::GenerationSession session(model.toStdString(), tokenizer.toStdString(), "cpu");
    const auto prompt = session.encodePrompt("Hello world");
    const cpo::engine::GenerationSettings settings{{1.0, 0, 1.0}, 12, 5};
    const auto generation = session.generate(prompt, settings);
    QCOMPARE(generation.tokens, expected);
    QCOMPARE(generation.logProbs.size(), expected.size());

    // A progress callback that says stop ends the generation after that token.
    std::size_t reports = 0;
    const auto stopped = session.generate(prompt, settings, [&](const auto& tokens) {
        return ++reports < 3 && tokens.size() < 3;
    });
    QCOMPARE(stopped.tokens, std::vector<std::int32_t>(expected.begin(), expected.begin() + 3));
    // GPT-2's BPE files name no BOS: an empty prompt has nothing to start from and is refused
    // (by `cpo generate` and the playground alike).
    QVERIFY_THROWS_EXCEPTION(cpo::Error, session.encodePrompt(""));
}

// A disk that fills up mid-run (SQLite's max_page_count stands in for one): the metrics that
// cannot be stored are given up, but the run is marked failed with the reason, not left
// `running`, and finishing never throws, so `cpo run` still prints its summary.
void TestEngine::fullStoreStillRecordsTheFailure()
{
    QTemporaryDir dir;
    RunStore store(fs::path(dir.filePath("runs.db").toStdString()));
    const auto runId =
        cpo::engine::createRunRow(store, tinyOracle(1), fs::path(dir.path().toStdString()));
    cpo::engine::RunRecorder recorder(store, runId);
    store.database().execute("PRAGMA max_page_count = 1"); // no page beyond those it has
    recorder.record(cpo::engine::PhaseStarted{"mle", 100'000});
    std::string failure;
    try {
        for (std::int64_t step = 1; step <= 100'000; ++step)
            recorder.record(cpo::train::StepMetrics{step, 2.5, 1e-3, 0.5, 1000.0, 0.01, 1.0});
    } catch (const std::exception& e) {
        failure = e.what();
    }
    QVERIFY2(failure.find("full") != std::string::npos, failure.c_str());

    cpo::engine::RunSummary summary;
    summary.outcome = cpo::engine::RunOutcome::Failed;
    summary.message = failure;
    recorder.finish(summary); // must not throw although the metrics still cannot be stored

    const auto run = store.getRun(runId);
    QVERIFY(run.has_value());
    QCOMPARE(run->status, RunStatus::Failed);
    QVERIFY2(run->error.find("full") != std::string::npos, run->error.c_str());
    QVERIFY2(run->error.find("metric points could not be stored") != std::string::npos,
             run->error.c_str());
    QVERIFY(!run->ownerPid.has_value());
}

QTEST_GUILESS_MAIN(TestEngine)
#include "tst_engine.moc"
