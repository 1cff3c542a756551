// `cpo runs` as a script sees it: a store written through RunStore, then read, exported and
// pruned by the real binary (CPO_CLI) through QProcess: JSON shapes on stdout, exported file
// contents, exit codes and one-line errors on stderr.

#include "cli_runner.h"
#include "test_env.h"
#include "test_files.h"

#include "store/run_store.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QMap>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <unistd.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using cpo::store::RunRecord;
using cpo::store::RunStatus;
using cpo::store::RunStore;

using cpo::test::CliResult;
using cpo::test::parseSingleJson;
using cpo::test::runCpo;

constexpr qint64 kT0 = 1'700'000'000'000; // the first run's creation, Unix ms
constexpr char kExperiment[] = "{\"name\": \"baseline\",\n  \"phases\": [\"mle\"]}\n";

QList<qint64> listedIds(const QString& db)
{
    QList<qint64> ids;
    const auto result = runCpo({"runs", "list", "--db", db, "--json"});
    for (const auto& run : parseSingleJson(result.out)["runs"].toArray())
        ids.append(run.toObject()["id"].toInteger());
    return ids;
}

std::string hostName()
{
    char name[256] = {};
    gethostname(name, sizeof name - 1);
    return name;
}

void addMetrics(RunStore& store, std::int64_t runId, const char* key,
                const std::vector<std::pair<std::int64_t, double>>& points)
{
    std::vector<cpo::store::MetricPoint> rows;
    for (const auto& [step, value] : points)
        rows.push_back({"mle", step, key, value, 1700000000.5 + static_cast<double>(step)});
    store.appendMetrics(runId, rows);
}

// Three runs, created a second apart: 1 "baseline" finished with two series, two checkpoints
// and an alert; 2 "cpo-beta" failed (resumed from 1) with a series ending in NaN; 3 "live"
// running, owned by this test process.
void makeStore(const QString& path)
{
    RunStore store(path.toStdString());
    RunRecord baseline;
    baseline.name = "baseline";
    baseline.status = RunStatus::Finished;
    baseline.experimentJson = kExperiment;
    baseline.configHash = "hash-baseline";
    baseline.tags = {"mle", "small"};
    baseline.createdAt = kT0;
    baseline.finishedAt = kT0 + 754'000; // 12 min 34 s
    const auto first = store.createRun(baseline);
    addMetrics(store, first, "loss", {{0, 2.0}, {1, 1.5}, {2, 1.0}, {3, 0.75}, {4, 0.5}});
    addMetrics(store, first, "accuracy", {{0, 0.25}, {2, 0.5}, {4, 0.75}});
    store.recordCheckpoint({0, first, "mle", 2, "/ckpt/baseline/step-2", "aa", kT0 + 1});
    store.recordCheckpoint({0, first, "mle", 4, "/ckpt/baseline/step-4", "bb", kT0 + 2});
    store.recordAlert({0, first, "mle", 3, "loss_spike", "loss rose 3x", kT0 + 3});

    RunRecord failed;
    failed.name = "cpo-beta";
    failed.status = RunStatus::Failed;
    failed.parentRunId = first;
    failed.error = "loss is not finite at step 3";
    failed.createdAt = kT0 + 1000;
    failed.finishedAt = kT0 + 5000;
    const auto second = store.createRun(failed);
    addMetrics(store, second, "grad_norm", {{0, 1.0}, {1, 2.0}, {2, 8.0}, {3, std::nan("")}});

    RunRecord live;
    live.name = "live";
    live.status = RunStatus::Running;
    live.ownerPid = QCoreApplication::applicationPid();
    live.ownerHost = hostName();
    live.createdAt = kT0 + 2000;
    store.createRun(live);
}

QByteArray readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void verifyOneLineError(const CliResult& result, const QString& mentions)
{
    QVERIFY(result.exitCode != 0);
    QVERIFY2(result.out.isEmpty(), result.out.constData());
    const QString err = QString::fromUtf8(result.err).trimmed();
    QVERIFY2(!err.contains('\n'), qPrintable("expected one line, got: " + err));
    QVERIFY2(err.contains(mentions), qPrintable(err + " does not mention " + mentions));
}

} // namespace

class TestRunsCli : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void listJsonIsNewestFirstWithFields();
    void listHumanIsATable();
    void showJsonSummarizesRun_data();
    void showJsonSummarizesRun();
    void showHumanNamesSeriesAndCheckpoint();
    void exportWritesFiles();
    void defaultStoreFollowsXdg();
    void deleteNeedsYesThenRemovesRun();
    void deleteRefusesRunInUse();
    void deleteAllowsAbandonedRun();
    void errorsAreOneLineAndNonZero_data();
    void errorsAreOneLineAndNonZero();
    void killedRunResumesWithEveryStepOnce();
    void queueRecordsAFailedRunAndGoesOn();
    void resumedRunKeepsItsTrainedTokenizer();
    void followStreamsALiveRunInOrder();
    void followRefusesAnUnknownRun();
    void bundleRoundTripsAnEndedRun();
    void damagedBundleIsRefused_data();
    void damagedBundleIsRefused();
    void activationCheckpointingTrainsTheSame();

private:
    QTemporaryDir m_dir;
    QString m_db;
};

void TestRunsCli::initTestCase()
{
    QVERIFY2(QFileInfo::exists(cpo::test::cliPath()), "CPO_CLI must point at the cpo binary");
    QVERIFY(m_dir.isValid());
    m_db = m_dir.filePath("runs.sqlite");
    makeStore(m_db);
}

void TestRunsCli::listJsonIsNewestFirstWithFields()
{
    const auto result = runCpo({"runs", "list", "--db", m_db, "--json"});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto runs = parseSingleJson(result.out)["runs"].toArray();
    QCOMPARE(runs.size(), 3);
    QCOMPARE(runs[0]["name"].toString(), "live");
    QCOMPARE(runs[1]["name"].toString(), "cpo-beta");
    QCOMPARE(runs[2]["name"].toString(), "baseline");

    const auto baseline = runs[2].toObject();
    QCOMPARE(baseline["id"].toInteger(), 1);
    QCOMPARE(baseline["status"].toString(), "finished");
    QCOMPARE(baseline["created_at"].toInteger(), kT0);
    QCOMPARE(baseline["finished_at"].toInteger(), kT0 + 754'000);
    QCOMPARE(baseline["config_hash"].toString(), "hash-baseline");
    QVERIFY(baseline["parent_run_id"].isNull());
    QCOMPARE(baseline["tags"].toArray(), QJsonArray({"mle", "small"}));
    QVERIFY(baseline["error"].isNull());

    const auto failed = runs[1].toObject();
    QCOMPARE(failed["status"].toString(), "failed");
    QCOMPARE(failed["parent_run_id"].toInteger(), 1);
    QCOMPARE(failed["error"].toString(), "loss is not finite at step 3");
    QCOMPARE(failed["tags"].toArray(), QJsonArray());

    QCOMPARE(runs[0]["status"].toString(), "running");
    QVERIFY(runs[0]["finished_at"].isNull());
}

void TestRunsCli::listHumanIsATable()
{
    const auto result = runCpo({"runs", "list", "--db", m_db});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto lines = QString::fromUtf8(result.out).trimmed().split('\n');
    QCOMPARE(lines.size(), 4); // a header and one line per run
    QVERIFY2(lines[0].startsWith("ID") && lines[0].contains("STATUS"), qPrintable(lines[0]));
    QVERIFY2(lines[1].startsWith("3 ") && lines[1].contains("live"), qPrintable(lines[1]));
    QVERIFY2(lines[3].contains("baseline") && lines[3].contains("12m34s"), qPrintable(lines[3]));
}

void TestRunsCli::showJsonSummarizesRun_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<QJsonArray>("series");
    QTest::addColumn<QJsonValue>("checkpointPath");
    QTest::addColumn<int>("alerts");
    QTest::newRow("finished, with checkpoints")
        << "1"
        << QJsonArray{QJsonObject{{"key", "accuracy"}, {"points", 3}, {"last_step", 4},
                                  {"last_value", 0.75}},
                      QJsonObject{{"key", "loss"}, {"points", 5}, {"last_step", 4},
                                  {"last_value", 0.5}}}
        << QJsonValue("/ckpt/baseline/step-4") << 1;
    QTest::newRow("failed, last value NaN")
        << "2"
        << QJsonArray{QJsonObject{{"key", "grad_norm"}, {"points", 4}, {"last_step", 3},
                                  {"last_value", QJsonValue::Null}}}
        << QJsonValue(QJsonValue::Null) << 0;
    QTest::newRow("running, empty") << "3" << QJsonArray() << QJsonValue(QJsonValue::Null) << 0;
}

void TestRunsCli::showJsonSummarizesRun()
{
    QFETCH(QString, id);
    QFETCH(QJsonArray, series);
    QFETCH(QJsonValue, checkpointPath);
    QFETCH(int, alerts);
    const auto result = runCpo({"runs", "show", id, "--db", m_db, "--json"});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto json = parseSingleJson(result.out);
    QCOMPARE(json["run"]["id"].toInteger(), id.toLongLong());
    QCOMPARE(json["series"].toArray(), series);
    if (checkpointPath.isNull()) {
        QVERIFY(json["latest_checkpoint"].isNull());
    } else {
        QCOMPARE(json["latest_checkpoint"]["path"], checkpointPath);
        QCOMPARE(json["latest_checkpoint"]["step"].toInteger(), 4);
        QCOMPARE(json["latest_checkpoint"]["phase"].toString(), "mle");
    }
    QCOMPARE(json["alerts"].toInt(), alerts);
}

void TestRunsCli::showHumanNamesSeriesAndCheckpoint()
{
    const auto result = runCpo({"runs", "show", "1", "--db", m_db});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const QString out = QString::fromUtf8(result.out);
    for (const char* expected :
         {"run 1: baseline (finished)", "hash-baseline", "mle, small", "accuracy", "loss",
          "/ckpt/baseline/step-4", "alerts: 1"})
        QVERIFY2(out.contains(expected), qPrintable(expected + (" missing from:\n" + out)));
}

void TestRunsCli::exportWritesFiles()
{
    const QString csv = m_dir.filePath("metrics.csv");
    const QString json = m_dir.filePath("metrics.json");
    const QString experiment = m_dir.filePath("experiment.json");
    const auto result = runCpo({"runs", "export", "1", "--db", m_db, "--csv", csv, "--json",
                                json, "--experiment", experiment});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    for (const auto& file : {csv, json, experiment})
        QVERIFY2(result.out.contains(file.toUtf8()), result.out.constData());

    // Long form, by key then step; wall times are 1700000000.5 + step (see addMetrics).
    QCOMPARE(readFile(csv), QByteArray("phase,step,key,value,wall_time\n"
                                       "mle,0,accuracy,0.25,1700000000.5\n"
                                       "mle,2,accuracy,0.5,1700000002.5\n"
                                       "mle,4,accuracy,0.75,1700000004.5\n"
                                       "mle,0,loss,2,1700000000.5\n"
                                       "mle,1,loss,1.5,1700000001.5\n"
                                       "mle,2,loss,1,1700000002.5\n"
                                       "mle,3,loss,0.75,1700000003.5\n"
                                       "mle,4,loss,0.5,1700000004.5\n"));
    const auto metrics = parseSingleJson(readFile(json));
    QCOMPARE(metrics["run"]["name"].toString(), "baseline");
    QCOMPARE(metrics["series"]["loss"]["step"].toArray(), QJsonArray({0, 1, 2, 3, 4}));
    QCOMPARE(metrics["series"]["accuracy"]["value"].toArray(), QJsonArray({0.25, 0.5, 0.75}));
    QCOMPARE(readFile(experiment), QByteArray(kExperiment)); // byte for byte
}

void TestRunsCli::defaultStoreFollowsXdg()
{
    auto environment = QProcessEnvironment::systemEnvironment();
    const QString dataHome = m_dir.filePath("xdg");
    environment.insert("XDG_DATA_HOME", dataHome);
    const QString expected = dataHome + "/cpo-studio/runs.sqlite";
    verifyOneLineError(runCpo({"runs", "list"}, {}, environment), "no run store at " + expected);

    QVERIFY(QDir().mkpath(dataHome + "/cpo-studio"));
    makeStore(expected);
    const auto result = runCpo({"runs", "list", "--json"}, {}, environment);
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QCOMPARE(parseSingleJson(result.out)["runs"].toArray().size(), 3);
}

void TestRunsCli::deleteNeedsYesThenRemovesRun()
{
    const QString db = m_dir.filePath("delete-yes.sqlite");
    makeStore(db);
    verifyOneLineError(runCpo({"runs", "delete", "1", "--db", db}), "--yes");
    QCOMPARE(listedIds(db), QList<qint64>({3, 2, 1}));

    const auto result = runCpo({"runs", "delete", "1", "--db", db, "--yes"});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QVERIFY2(result.out.contains("deleted run 1"), result.out.constData());
    QCOMPARE(listedIds(db), QList<qint64>({3, 2}));
    // The run resumed from it stays, without a parent.
    const auto failed = parseSingleJson(runCpo({"runs", "show", "2", "--db", db, "--json"}).out);
    QVERIFY(failed["run"]["parent_run_id"].isNull());
    verifyOneLineError(runCpo({"runs", "show", "1", "--db", db}), "no run 1 in " + db);
}

void TestRunsCli::deleteRefusesRunInUse()
{
    const QString db = m_dir.filePath("delete-live.sqlite");
    makeStore(db);
    // Run 3 is `running`, owned by this (live) test process.
    verifyOneLineError(runCpo({"runs", "delete", "3", "--db", db, "--yes"}),
                       QString("in use by process %1").arg(QCoreApplication::applicationPid()));
    QCOMPARE(listedIds(db), QList<qint64>({3, 2, 1}));
}

void TestRunsCli::deleteAllowsAbandonedRun()
{
    const QString db = m_dir.filePath("delete-abandoned.sqlite");
    makeStore(db);
    // A pid that has exited: the owner of a run left `running` by a killed process.
    QProcess finished;
    finished.start(cpo::test::cliPath(), {"--version"});
    QVERIFY(finished.waitForFinished(60000));
    {
        RunStore store(db.toStdString());
        RunRecord abandoned;
        abandoned.name = "abandoned";
        abandoned.status = RunStatus::Running;
        abandoned.ownerPid = finished.processId();
        abandoned.ownerHost = hostName();
        abandoned.createdAt = kT0 + 3000;
        QCOMPARE(store.createRun(abandoned), 4);
    }
    const auto result = runCpo({"runs", "delete", "4", "--db", db, "--yes", "--json"});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto json = parseSingleJson(result.out);
    QCOMPARE(json["deleted"]["id"].toInteger(), 4);
    QCOMPARE(listedIds(db), QList<qint64>({3, 2, 1}));
}

void TestRunsCli::errorsAreOneLineAndNonZero_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("mentions");
    const QString missing = m_dir.filePath("missing.sqlite");
    const QString noStore = "no run store at " + missing;
    QTest::newRow("list, missing store") << QStringList{"runs", "list", "--db", missing}
                                         << noStore;
    QTest::newRow("show, missing store")
        << QStringList{"runs", "show", "1", "--db", missing, "--json"} << noStore;
    QTest::newRow("export, missing store")
        << QStringList{"runs", "export", "1", "--db", missing, "--csv", "x.csv"} << noStore;
    QTest::newRow("delete, missing store")
        << QStringList{"runs", "delete", "1", "--db", missing, "--yes"} << noStore;
    const QString unknown = "no run 99 in " + m_db;
    QTest::newRow("show, unknown id") << QStringList{"runs", "show", "99", "--db", m_db}
                                      << unknown;
    QTest::newRow("export, unknown id")
        << QStringList{"runs", "export", "99", "--db", m_db, "--csv",
                       m_dir.filePath("never.csv")}
        << unknown;
    QTest::newRow("delete, unknown id")
        << QStringList{"runs", "delete", "99", "--db", m_db, "--yes"} << unknown;
    QTest::newRow("export, nothing to write")
        << QStringList{"runs", "export", "1", "--db", m_db} << "--csv FILE";
    QTest::newRow("bad flag") << QStringList{"runs", "list", "--bogus"} << "--bogus";
    QTest::newRow("id not a number") << QStringList{"runs", "show", "first"} << "first";
    QTest::newRow("no runs subcommand") << QStringList{"runs"} << "subcommand";
    QTest::newRow("resume, missing store")
        << QStringList{"runs", "resume", "1", "--db", missing} << noStore;
    QTest::newRow("resume, unknown id")
        << QStringList{"runs", "resume", "99", "--db", m_db} << unknown;
    QTest::newRow("resume, finished run")
        << QStringList{"runs", "resume", "1", "--db", m_db} << "nothing left to run";
    QTest::newRow("resume, run still in use")
        << QStringList{"runs", "resume", "3", "--db", m_db}
        << QString("still being run by process %1").arg(QCoreApplication::applicationPid());
    QTest::newRow("queue, missing file")
        << QStringList{"runs", "queue", m_dir.filePath("none.json"), "--db", m_db}
        << "none.json: cannot open the file";
}

void TestRunsCli::errorsAreOneLineAndNonZero()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, mentions);
    verifyOneLineError(runCpo(arguments), mentions);
}

// The shipped oracle demo shrunk to seconds on the CPU.
QStringList tinyDemo(const QStringList& extra)
{
    QStringList arguments{cpo::test::sourceDir() + "/experiments/demo-oracle.json",
                          "--set", "device=cpu",
                          "--set", "dataset.oracle.train_examples=64",
                          "--set", "dataset.oracle.validation_examples=16",
                          "--set", "mle.warmup_steps=1",
                          "--set", "mle.eval_every=0",
                          "--set", "eval=null"};
    return arguments + extra;
}

std::vector<std::int64_t> seriesSteps(RunStore& store, std::int64_t runId, const char* key)
{
    return store.readSeries(runId, key).steps;
}

std::vector<std::int64_t> stepsFrom(std::int64_t first, std::int64_t last, std::int64_t every = 1)
{
    std::vector<std::int64_t> steps;
    for (auto step = first; step <= last; step += every)
        steps.push_back(step);
    return steps;
}

void TestRunsCli::killedRunResumesWithEveryStepOnce()
{
    const QString db = m_dir.filePath("crash.sqlite");
    QProcess child;
    child.start(cpo::test::cliPath(),
                QStringList{"run"} +
                    tinyDemo({"--out", m_dir.filePath("crash-run"), "--db", db, "--events",
                              "--set", "mle.steps=8", "--set", "mle.checkpoint_every=4",
                              "--set", "cpo.steps=12", "--set", "cpo.checkpoint_every=3",
                              "--set", "cpo.metrics_every=1", "--set", "cpo.samples_every=2"}));
    QVERIFY(child.waitForStarted());
    // kill -9 right after the CPO phase's second checkpoint (step 6) reaches stdout: its
    // record is committed by then, and the child is mid-way through step 7.
    bool inCpo = false;
    int cpoCheckpoints = 0;
    QElapsedTimer timer;
    timer.start();
    while (cpoCheckpoints < 2 && child.state() == QProcess::Running && timer.elapsed() < 240000) {
        child.waitForReadyRead(500);
        while (cpoCheckpoints < 2 && child.canReadLine()) {
            const auto event = parseSingleJson(child.readLine());
            inCpo = inCpo || (event["event"] == "phase_started" && event["phase"] == "cpo");
            if (inCpo && event["event"] == "checkpoint" && ++cpoCheckpoints == 2)
                child.kill(); // SIGKILL
        }
    }
    QVERIFY2(cpoCheckpoints == 2, child.readAllStandardError().constData());
    QVERIFY(child.waitForFinished(60000));
    QCOMPARE(child.exitStatus(), QProcess::CrashExit);

    const std::int64_t id = 1;
    {
        RunStore store(db.toStdString());
        cpo::store::Statement check(store.database(), "PRAGMA integrity_check");
        QVERIFY(check.step());
        QCOMPARE(check.columnText(0), std::string("ok"));
        // Nothing the last commit covered is lost.
        const auto cpoSteps = seriesSteps(store, id, "cpo/loss");
        QVERIFY(cpoSteps.size() >= 6);
        QCOMPARE(std::vector<std::int64_t>(cpoSteps.begin(), cpoSteps.begin() + 6),
                 stepsFrom(1, 6));
    }
    const auto listed = parseSingleJson(runCpo({"runs", "list", "--db", db, "--json"}).out);
    const auto run = listed["runs"].toArray().first().toObject();
    QCOMPARE(run["status"].toString(), QString("running"));
    QVERIFY(run["abandoned"].toBool());

    const auto resumed = runCpo({"runs", "resume", "1", "--db", db});
    QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
    const auto summary = parseSingleJson(resumed.out);
    QCOMPARE(summary["status"].toString(), QString("finished"));
    QCOMPARE(summary["run_id"].toInteger(), id);
    QVERIFY2(summary["resumed"].toString().contains("cpo phase from step 6"),
             qPrintable(summary["resumed"].toString()));

    RunStore store(db.toStdString());
    QCOMPARE(seriesSteps(store, id, "mle/loss"), stepsFrom(1, 8));
    QCOMPARE(seriesSteps(store, id, "cpo/loss"), stepsFrom(1, 12));
    QCOMPARE(seriesSteps(store, id, "cpo/accuracy"), stepsFrom(1, 12));
    std::vector<std::int64_t> sampleSteps;
    for (const auto& set : store.readSampleSets(id))
        sampleSteps.push_back(set.step);
    QCOMPARE(sampleSteps, stepsFrom(2, 12, 2));
    const auto finished = store.getRun(id);
    QCOMPARE(finished->status, RunStatus::Finished);
    QVERIFY(!finished->ownerPid);
    QCOMPARE(store.latestCheckpoint(id)->step, std::int64_t{12});
}

void TestRunsCli::queueRecordsAFailedRunAndGoesOn()
{
    const QString db = m_dir.filePath("queue.sqlite");
    const QString queueFile = m_dir.filePath("queue.json");
    cpo::test::writeFile(queueFile, QString(R"({
      // MLE-only baselines, the second on a device this machine does not have
      "experiment": "%1/experiments/demo-oracle.json",
      "set": {"device": "cpu", "cpo": null, "mle.steps": 3, "mle.warmup_steps": 1,
              "mle.eval_every": 0, "eval": null,
              "dataset.oracle.train_examples": 32, "dataset.oracle.validation_examples": 8},
      "runs": [{"name": "first"},
               {"name": "broken", "set": {"device": "cuda:7"}},
               {"name": "invalid", "set": {"mle.steps": 0}},
               {"name": "last"}]
    })").arg(cpo::test::sourceDir()).toUtf8());

    // --dry-run lists the runs and which are invalid, and runs nothing.
    const auto plan = runCpo({"runs", "queue", queueFile, "--db", db, "--dry-run", "--json"});
    QVERIFY2(plan.exitCode == 0, plan.err.constData());
    const auto planned = parseSingleJson(plan.out)["runs"].toArray();
    QCOMPARE(planned.size(), 4);
    for (int i = 0; i < planned.size(); ++i)
        QCOMPARE(planned[i].toObject()["valid"].toBool(), i != 2);
    QVERIFY(!QFileInfo::exists(db));

    const auto result =
        runCpo({"runs", "queue", queueFile, "--db", db, "--out", m_dir.filePath("queue-runs")});
    QCOMPARE(result.exitCode, 1); // not every run finished
    const auto runs = parseSingleJson(result.out)["runs"].toArray();
    QCOMPARE(runs.size(), 4);
    const QStringList expected{"finished", "failed", "failed", "finished"};
    for (int i = 0; i < runs.size(); ++i)
        QCOMPARE(runs[i].toObject()["status"].toString(), expected[i]);
    QVERIFY(runs[1].toObject()["message"].toString().contains("cuda:7"));
    QVERIFY(runs[2].toObject()["message"].toString().contains("mle.steps"));

    // The store has all four, with their errors, the folders beside each other.
    RunStore store(db.toStdString());
    const auto records = store.listRuns();
    QCOMPARE(records.size(), std::size_t{4});
    QCOMPARE(records.front().name, std::string("last"));
    QCOMPARE(records.front().status, RunStatus::Finished);
    QVERIFY(records[1].error.find("mle.steps") != std::string::npos);
    QVERIFY(records[2].error.find("cuda:7") != std::string::npos);
    QVERIFY(QFileInfo::exists(m_dir.filePath("queue-runs/04-last/mle/step-00000003")));
}

void TestRunsCli::resumedRunKeepsItsTrainedTokenizer()
{
    // A run that trains its SentencePiece tokenizer, stopped with Ctrl+C after its first
    // checkpoint: resuming loads that tokenizer rather than training another.
    const QString db = m_dir.filePath("debian.sqlite");
    const QString out = m_dir.filePath("debian-run");
    QProcess child;
    child.start(cpo::test::cliPath(),
                {"run", cpo::test::sourceDir() + "/experiments/demo-debian.json", "--db", db,
                 "--out", out, "--events", "--set", "device=cpu",
                 "--set", "model.init.hidden_size=32", "--set", "model.init.num_layers=1",
                 "--set", "dataset.debian_packages.examples=200",
                 "--set", "tokenizer.train_sentencepiece.vocab_size=600",
                 "--set", "mle.steps=300", "--set", "mle.warmup_steps=1",
                 "--set", "mle.checkpoint_every=2", "--set", "mle.eval_examples=8",
                 "--set", "mle.batch_size=4"});
    QVERIFY(child.waitForStarted());
    bool interrupted = false;
    while (!interrupted && child.state() == QProcess::Running) {
        child.waitForReadyRead(500);
        while (!interrupted && child.canReadLine())
            if (parseSingleJson(child.readLine())["event"] == "checkpoint")
                interrupted = ::kill(static_cast<pid_t>(child.processId()), SIGINT) == 0;
    }
    QVERIFY2(interrupted, child.readAllStandardError().constData());
    QVERIFY(child.waitForFinished(120000));
    QCOMPARE(child.exitCode(), 130); // stopped, with a checkpoint
    const QString model = out + "/tokenizer/spm.model";
    const auto trainedAt = QFileInfo(model).lastModified();

    const auto resumed = runCpo({"runs", "resume", "1", "--db", db});
    QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
    QCOMPARE(parseSingleJson(resumed.out)["status"].toString(), QString("finished"));
    QVERIFY2(!resumed.err.contains("training a SentencePiece"), resumed.err.constData());
    QCOMPARE(QFileInfo(model).lastModified(), trainedAt);
    RunStore store(db.toStdString());
    QCOMPARE(seriesSteps(store, 1, "mle/loss"), stepsFrom(1, 300));
}

// Every line a process printed (it has exited, or is read while it runs).
QList<QByteArray> readLines(QProcess& process, QList<QByteArray>& into)
{
    while (process.canReadLine())
        into << process.readLine().trimmed();
    return into;
}

void TestRunsCli::followStreamsALiveRunInOrder()
{
    // A run trains in one process while `cpo runs follow` reads its store from another: the
    // follower prints what the run printed with --events, in order, each once, and ends with
    // the run.
    const QString db = m_dir.filePath("follow.sqlite");
    QProcess run;
    run.start(cpo::test::cliPath(),
              QStringList{"run"} +
                  tinyDemo({"--out", m_dir.filePath("follow-run"), "--db", db, "--events",
                            "--set", "mle.steps=200", "--set", "mle.checkpoint_every=100",
                            "--set", "cpo.steps=6", "--set", "cpo.checkpoint_every=3",
                            "--set", "cpo.metrics_every=1", "--set", "cpo.samples_every=3"}));
    QVERIFY(run.waitForStarted());
    QList<QByteArray> printed;
    QElapsedTimer timer;
    timer.start();
    while (printed.isEmpty() && run.state() == QProcess::Running && timer.elapsed() < 120000) {
        run.waitForReadyRead(200);
        readLines(run, printed);
    }
    QVERIFY2(!printed.isEmpty(), run.readAllStandardError().constData());
    // The run's row exists once it reports; it must still be training for this to test a
    // live follow.
    QVERIFY(run.state() == QProcess::Running);

    QProcess follow;
    follow.start(cpo::test::cliPath(), {"runs", "follow", "1", "--db", db, "--poll-ms", "50"});
    QVERIFY(follow.waitForStarted());
    QList<QByteArray> followed;
    bool followedWhileLive = false;
    while (follow.state() == QProcess::Running && timer.elapsed() < 240000) {
        follow.waitForReadyRead(100);
        readLines(follow, followed);
        followedWhileLive = followedWhileLive || (!followed.isEmpty() &&
                                                  run.state() == QProcess::Running);
        run.waitForReadyRead(1);
        readLines(run, printed);
    }
    // Either may have ended already (waitForFinished is then false): what counts is that both
    // have, and how.
    run.waitForFinished(60000);
    QCOMPARE(run.state(), QProcess::NotRunning);
    QCOMPARE(run.exitCode(), 0);
    readLines(run, printed);
    follow.waitForFinished(10000);
    QCOMPARE(follow.state(), QProcess::NotRunning);
    QVERIFY2(follow.exitCode() == 0, follow.readAllStandardError().constData());
    readLines(follow, followed);
    QVERIFY2(followedWhileLive, "the follower printed nothing before the run ended");

    // The run printed its events, then its summary line; the follower the same events with
    // their seq, then the run's outcome.
    const auto events = printed.mid(0, printed.size() - 1);
    QVERIFY(events.size() > 60);
    QCOMPARE(followed.size(), events.size() + 1);
    for (qsizetype i = 0; i < events.size(); ++i) {
        auto line = parseSingleJson(followed[i]);
        QCOMPARE(line["seq"].toInteger(), qint64(i + 1));
        line.remove("seq");
        QCOMPARE(line, parseSingleJson(events[i]));
    }
    const auto last = parseSingleJson(followed.last());
    QCOMPARE(last["event"].toString(), QString("run_finished"));
    QCOMPARE(last["status"].toString(), QString("finished"));
    QCOMPARE(last["seq"].toInteger(), qint64(followed.size()));

    // Picking up after seq 10 gives the rest, the same lines.
    const auto rest = runCpo({"runs", "follow", "1", "--db", db, "--from-seq", "10"});
    QCOMPARE(rest.exitCode, 0);
    const auto restLines = rest.out.trimmed().split('\n');
    QCOMPARE(restLines.size(), followed.size() - 10);
    QCOMPARE(restLines.first(), followed[10]);
    QCOMPARE(restLines.last(), followed.last());
}

void TestRunsCli::followRefusesAnUnknownRun()
{
    verifyOneLineError(runCpo({"runs", "follow", "99", "--db", m_db}), "run 99 of");
    verifyOneLineError(runCpo({"runs", "follow", "1", "--db", m_dir.filePath("none.sqlite")}),
                       "none.sqlite");
}

// A finished tiny demo run (MLE 8 steps, CPO 4 with sample sets) in `db`, exported as the
// bundle `bundle`; made once, shared by the bundle tests.
void makeBundle(const QString& db, const QString& runDir, const QString& bundle)
{
    if (QFileInfo::exists(bundle))
        return;
    const auto run = runCpo(QStringList{"run"} +
                            tinyDemo({"--out", runDir, "--db", db, "--set", "mle.steps=8",
                                      "--set", "mle.checkpoint_every=4", "--set", "cpo.steps=4",
                                      "--set", "cpo.checkpoint_every=2", "--set",
                                      "cpo.samples_every=2"}));
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const auto exported = runCpo({"runs", "export", "1", "--db", db, "--bundle", bundle});
    QVERIFY2(exported.exitCode == 0, exported.err.constData());
}

void TestRunsCli::bundleRoundTripsAnEndedRun()
{
    const QString source = m_dir.filePath("bundle-source.sqlite");
    const QString bundle = m_dir.filePath("bundle");
    makeBundle(source, m_dir.filePath("bundle-run"), bundle);
    QVERIFY(QFileInfo::exists(bundle + "/manifest.json"));
    // Each phase's final checkpoint travels, the earlier ones stay behind.
    QVERIFY(QFileInfo::exists(bundle + "/run/mle/step-00000008/model.safetensors"));
    QVERIFY(QFileInfo::exists(bundle + "/run/cpo/step-00000004/model.safetensors"));
    QVERIFY(!QFileInfo::exists(bundle + "/run/mle/step-00000004"));
    QVERIFY(QFileInfo::exists(bundle + "/run/experiment.json"));

    const QString target = m_dir.filePath("bundle-target.sqlite");
    const QString runDir = m_dir.filePath("imported-run");
    // A run of its own first, so the imported one gets another id than it had.
    makeStore(target);
    const auto imported =
        runCpo({"runs", "import", bundle, "--db", target, "--out", runDir, "--json"});
    QVERIFY2(imported.exitCode == 0, imported.err.constData());
    const auto answer = parseSingleJson(imported.out);
    QCOMPARE(answer["source_run_id"].toInteger(), qint64(1));
    const std::int64_t id = answer["run_id"].toInteger();
    QCOMPARE(id, std::int64_t{4});

    RunStore from(source.toStdString(), cpo::store::OpenMode::ReadOnly);
    RunStore to(target.toStdString(), cpo::store::OpenMode::ReadOnly);
    const auto before = *from.getRun(1);
    const auto after = *to.getRun(id);
    QCOMPARE(after.name, before.name);
    QCOMPARE(after.status, RunStatus::Finished);
    QCOMPARE(after.experimentJson, before.experimentJson);
    QCOMPARE(after.createdAt, before.createdAt);
    QCOMPARE(after.runDir, std::filesystem::absolute(runDir.toStdString()).string());
    QVERIFY(!after.ownerPid);
    const auto keys = from.seriesKeys(1);
    QVERIFY(keys.size() > 10);
    QCOMPARE(to.seriesKeys(id), keys);
    for (const auto& key : keys) {
        const auto a = from.readSeries(1, key), b = to.readSeries(id, key);
        QCOMPARE(b.steps, a.steps);
        QCOMPARE(b.values.size(), a.values.size());
        for (std::size_t i = 0; i < a.values.size(); ++i)
            QVERIFY((std::isnan(a.values[i]) && std::isnan(b.values[i])) ||
                    a.values[i] == b.values[i]);
    }
    const auto setsBefore = from.readSampleSets(1), setsAfter = to.readSampleSets(id);
    QCOMPARE(setsAfter.size(), std::size_t{2});
    QCOMPARE(setsAfter.size(), setsBefore.size());
    for (std::size_t i = 0; i < setsBefore.size(); ++i) {
        QCOMPARE(setsAfter[i].prompt, setsBefore[i].prompt);
        QCOMPARE(setsAfter[i].candidates.size(), setsBefore[i].candidates.size());
        QCOMPARE(setsAfter[i].candidates.back().tokenIds, setsBefore[i].candidates.back().tokenIds);
        QCOMPARE(setsAfter[i].candidates.back().logpTheta,
                 setsBefore[i].candidates.back().logpTheta);
    }
    QCOMPARE(to.readEvents(id, 0, 100000).size(), from.readEvents(1, 0, 100000).size());
    // The final checkpoints, pointing into the new folder, with the digests recorded before.
    const auto checkpoints = to.listCheckpoints(id);
    QCOMPARE(checkpoints.size(), std::size_t{2});
    for (const auto& checkpoint : checkpoints) {
        QVERIFY2(checkpoint.path.starts_with(after.runDir), checkpoint.path.c_str());
        QVERIFY(std::filesystem::exists(checkpoint.path + "/model.safetensors"));
        QCOMPARE(checkpoint.sha256, from.latestCheckpoint(1, checkpoint.phase)->sha256);
    }
    // The store's read side sees it like any run.
    const auto shown = runCpo({"runs", "show", QString::number(id), "--db", target, "--json"});
    QVERIFY2(shown.exitCode == 0, shown.err.constData());

    // Never twice into one store, nor back into the one it came from.
    const auto again =
        runCpo({"runs", "import", bundle, "--db", target, "--out", m_dir.filePath("again")});
    verifyOneLineError(again, "already");
    QVERIFY(!QFileInfo::exists(m_dir.filePath("again")));
    verifyOneLineError(runCpo({"runs", "import", bundle, "--db", source, "--out",
                               m_dir.filePath("again")}),
                       "run 1 of");
    // A run still going is not exported.
    verifyOneLineError(runCpo({"runs", "export", "3", "--db", m_db, "--bundle",
                               m_dir.filePath("live-bundle")}),
                       "is running");
    QVERIFY(!QFileInfo::exists(m_dir.filePath("live-bundle")));
}

void TestRunsCli::damagedBundleIsRefused_data()
{
    QTest::addColumn<QString>("damage");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("a checkpoint byte flipped") << "flip" << "model.safetensors: damaged";
    QTest::newRow("a checkpoint cut short") << "truncate" << "model.safetensors: damaged";
    QTest::newRow("rows missing") << "rows" << "rows.json: missing";
    QTest::newRow("manifest cut short") << "manifest" << "manifest.json: damaged";
    QTest::newRow("a path out of the bundle") << "escape" << "not a path inside the bundle";
}

void TestRunsCli::damagedBundleIsRefused()
{
    QFETCH(QString, damage);
    QFETCH(QString, mentions);
    namespace fs = std::filesystem;
    const QString good = m_dir.filePath("bundle");
    makeBundle(m_dir.filePath("bundle-source.sqlite"), m_dir.filePath("bundle-run"), good);
    const QString copy = m_dir.filePath("damaged-" + damage);
    fs::copy(good.toStdString(), copy.toStdString(), fs::copy_options::recursive);
    const auto model = copy.toStdString() + "/run/cpo/step-00000004/model.safetensors";
    const auto manifest = copy.toStdString() + "/manifest.json";
    if (damage == "flip") {
        const QString file = QString::fromStdString(model);
        auto bytes = readFile(file);
        QVERIFY(bytes.size() > 100);
        bytes[100] = static_cast<char>(bytes[100] ^ 0x01);
        QFile out(file);
        QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
        out.write(bytes);
    } else if (damage == "truncate") {
        fs::resize_file(model, fs::file_size(model) - 1);
    } else if (damage == "rows") {
        fs::remove(copy.toStdString() + "/rows.json");
    } else if (damage == "manifest") {
        fs::resize_file(manifest, fs::file_size(manifest) / 2);
    } else if (damage == "escape") {
        const QString file = QString::fromStdString(manifest);
        auto text = readFile(file);
        const auto at = text.indexOf("\"run/experiment.json\"");
        QVERIFY(at >= 0);
        text.replace(at, 21, "\"../../etc/passwd\"");
        QFile out(file);
        QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
        out.write(text);
    }
    const QString db = m_dir.filePath("damaged-" + damage + ".sqlite");
    const QString out = m_dir.filePath("damaged-" + damage + "-run");
    verifyOneLineError(runCpo({"runs", "import", copy, "--db", db, "--out", out}), mentions);
    QVERIFY(!QFileInfo::exists(out));
    QVERIFY(!QFileInfo::exists(db) || listedIds(db).isEmpty());
}

void TestRunsCli::activationCheckpointingTrainsTheSame()
{
    // The experiment field reaches the model (the model event says so) and training follows
    // the same losses: gradients equal up to float summation order.
    QMap<QString, QList<double>> losses;
    for (const QString on : {"false", "true"}) {
        const auto run = runCpo(
            QStringList{"run"} +
            tinyDemo({"--out", m_dir.filePath("checkpointing-" + on), "--db",
                      m_dir.filePath("checkpointing.sqlite"), "--events", "--set", "cpo=null",
                      "--set", "mle.steps=12", "--set", "model.activation_checkpointing=" + on}));
        QVERIFY2(run.exitCode == 0, run.err.constData());
        for (const auto& line : run.out.trimmed().split('\n')) {
            const auto event = parseSingleJson(line);
            if (event["event"] == "model")
                QCOMPARE(event["description"].toString().contains("activation checkpointing"),
                         on == "true");
            if (event["event"] == "step")
                losses[on] << event["loss"].toDouble();
        }
    }
    QCOMPARE(losses["true"].size(), 12);
    QCOMPARE(losses["false"].size(), 12);
    for (qsizetype i = 0; i < 12; ++i) {
        const double with = losses["true"][i], without = losses["false"][i];
        QVERIFY2(std::abs(with - without) <= 1e-4 * std::abs(without),
                 qPrintable(QString("step %1: %2 against %3")
                                .arg(i + 1)
                                .arg(with, 0, 'g', 10)
                                .arg(without, 0, 'g', 10)));
    }
}

QTEST_GUILESS_MAIN(TestRunsCli)
#include "tst_runs_cli.moc"
