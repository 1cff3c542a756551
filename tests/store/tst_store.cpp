#include "store/database.h"
#include "store/export.h"
#include "store/metric_writer.h"
#include "store/run_store.h"
#include "store/schema.h"
#include "util/error.h"
#include "util/log.h"

#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
#include <thread>

using namespace cpo::store;

namespace {

RunRecord makeRun(const std::string& name, std::int64_t createdAt = 0)
{
    RunRecord run;
    run.name = name;
    run.experimentJson = R"({"name": ")" + name + R"("})";
    run.configHash = "hash-" + name;
    run.createdAt = createdAt;
    return run;
}

std::int64_t countRows(Database& db, const char* sql, std::int64_t runId)
{
    Statement statement(db, sql);
    statement.bindInt64(1, runId);
    return statement.step() ? statement.columnInt64(0) : -1;
}

// What the concurrency test writes at each step, so a reader can check every value it sees.
double valueAt(std::int64_t step) { return 0.5 * double(step) - 3.0; }

// Empty when `series` holds steps 0..n-1 with their values, n a whole number of batches.
std::string prefixProblem(const Series& series, std::size_t batch)
{
    if (series.steps.size() % batch != 0)
        return "a read saw part of a batch: " + std::to_string(series.steps.size()) + " points";
    for (std::size_t i = 0; i < series.steps.size(); ++i) {
        const auto step = static_cast<std::int64_t>(i);
        if (series.steps[i] != step || series.values[i] != valueAt(step))
            return "not a prefix of the series at index " + std::to_string(i);
    }
    return {};
}

bool sameBits(const std::vector<float>& a, const std::vector<float>& b)
{
    return a.size() == b.size()
        && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

QString errorOf(const std::function<void()>& action)
{
    try {
        action();
    } catch (const cpo::Error& error) {
        return QString::fromStdString(error.what());
    }
    return {};
}

} // namespace

class StoreTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();

    void freshFileUsesWal();
    void migratesFromEarlierVersions_data();
    void migratesFromEarlierVersions();
    void refusesNewerIncompatibleFile_data();
    void refusesNewerIncompatibleFile();
    void readerRefusesFileItCannotRead();

    void readerSeesCommittedPrefixesWhileWriting();

    void duplicateJudgmentIsRejected();

    void runRoundTrip();
    void runsListedNewestFirst();
    void runStatusAndOwnership();
    void deleteRunCascades();

    void metricValuesRoundTrip_data();
    void metricValuesRoundTrip();
    void resumeDropsMetricsAfterCheckpoint();
    void seriesKeysAndIncrementalReads();
    void metricWriterBatches();

    void sampleSetBlobsRoundTrip();
    void nestedTransactionRollsBackSampleSet();
    void checkpointsAndAlerts();

    void exportsCsv();
    void exportsJson();
    void exportsExperimentExactly();

private:
    std::filesystem::path dbPath() const { return filePath("runs.db"); }
    std::filesystem::path filePath(const char* name) const;

    std::unique_ptr<QTemporaryDir> m_dir;
};

void StoreTest::initTestCase() { cpo::log::setLevel(spdlog::level::warn); }

void StoreTest::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

std::filesystem::path StoreTest::filePath(const char* name) const
{
    return m_dir->filePath(QString::fromUtf8(name)).toStdString();
}

void StoreTest::freshFileUsesWal()
{
    RunStore store(dbPath());
    QCOMPARE(store.database().journalMode(), std::string("wal"));
    QCOMPARE(store.database().userVersion(), kSchemaVersion);
    QCOMPARE(compatibleVersion(store.database()), 1);
    store.createRun(makeRun("a"));
    QVERIFY(std::filesystem::exists(dbPath().string() + "-wal"));

    // A second connection sees the mode persisted in the file.
    RunStore reader(dbPath(), OpenMode::ReadOnly);
    QCOMPARE(reader.database().journalMode(), std::string("wal"));
}

void StoreTest::migratesFromEarlierVersions_data()
{
    QTest::addColumn<int>("fromVersion");
    for (int version = 0; version < kSchemaVersion; ++version)
        QTest::newRow(qPrintable(QStringLiteral("from v%1").arg(version))) << version;
}

void StoreTest::migratesFromEarlierVersions()
{
    QFETCH(int, fromVersion);
    {
        Database db(dbPath(), OpenMode::ReadWrite);
        migrate(db, fromVersion);
        QCOMPARE(db.userVersion(), fromVersion);
        if (fromVersion >= 1) {
            // Rows as a version-1 build writes them: only version-1 columns.
            db.execute(
                "INSERT INTO runs (id, name, status, experiment_json, config_hash, app_version, "
                "git_revision, machine_info, device_info, tags, created_at) VALUES "
                "(7, 'old run', 'finished', '{\"k\": 4}', 'c0ffee', '0.1.0', 'abc123', "
                "'2 cores', 'cpu', '[\"pilot\"]', 1000);"
                "INSERT INTO metrics (run_id, key, step, phase, value, wall_time) VALUES "
                "(7, 'loss', 0, 'mle', 2.5, 10.0), (7, 'loss', 1, 'mle', 2.25, 11.0);"
                "INSERT INTO checkpoints (run_id, phase, step, path, sha256, created_at) VALUES "
                "(7, 'mle', 1, '/ckpt/1', 'ff00', 1001);");
        }
    }

    RunStore store(dbPath());
    QCOMPARE(store.database().userVersion(), kSchemaVersion);
    if (fromVersion >= 1) {
        const auto run = store.getRun(7);
        QVERIFY(run);
        QCOMPARE(run->name, std::string("old run"));
        QCOMPARE(run->status, RunStatus::Finished);
        QCOMPARE(run->experimentJson, std::string(R"({"k": 4})"));
        QCOMPARE(run->tags, std::vector<std::string>{"pilot"});
        QVERIFY(!run->ownerPid);
        const Series series = store.readSeries(7, "loss");
        QCOMPARE(series.steps, (std::vector<std::int64_t>{0, 1}));
        QCOMPARE(series.values, (std::vector<double>{2.5, 2.25}));
        QCOMPARE(store.latestCheckpoint(7)->path, std::string("/ckpt/1"));
        store.setOwner(7, 42, "host"); // a version-2 column
        QCOMPARE(*store.getRun(7)->ownerPid, std::int64_t{42});
        QVERIFY(run->runDir.empty()); // a version-3 column, unknown for old rows
    }
    auto withDir = makeRun("new run");
    withDir.runDir = "/runs/new-run";
    QCOMPARE(store.getRun(store.createRun(withDir))->runDir, withDir.runDir);
    JudgmentRecord judgment{0, "j", "p", "q", true, "A", "A", 1.0, 0.0, 0};
    QVERIFY(store.insertJudgment(judgment)); // a version-2 table
}

void StoreTest::refusesNewerIncompatibleFile_data()
{
    QTest::addColumn<int>("compatible");
    QTest::addColumn<bool>("readOnly");
    QTest::addColumn<bool>("refused");
    QTest::newRow("newer, compatible, writer") << kSchemaVersion << false << false;
    QTest::newRow("newer, compatible, reader") << kSchemaVersion << true << false;
    QTest::newRow("newer, incompatible, writer") << kSchemaVersion + 1 << false << true;
    QTest::newRow("newer, incompatible, reader") << kSchemaVersion + 1 << true << true;
}

void StoreTest::refusesNewerIncompatibleFile()
{
    QFETCH(int, compatible);
    QFETCH(bool, readOnly);
    QFETCH(bool, refused);
    const int newer = kSchemaVersion + 1;
    {
        // What a future build leaves behind: a higher version and its compatible version.
        RunStore store(dbPath());
        store.createRun(makeRun("from the future"));
        Statement update(store.database(),
                         "UPDATE meta SET value = ? WHERE key = 'compatible_version'");
        update.bindInt64(1, compatible);
        update.run();
        store.database().setUserVersion(newer);
    }

    const QString error = errorOf([&] {
        RunStore store(dbPath(), readOnly ? OpenMode::ReadOnly : OpenMode::ReadWrite);
        QCOMPARE(store.listRuns().size(), std::size_t{1});
    });
    if (!refused) {
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(Database(dbPath(), OpenMode::ReadOnly).userVersion(), newer); // not lowered
        return;
    }
    QVERIFY(error.contains(QString::fromStdString(dbPath().string())));
    QVERIFY2(error.contains(QStringLiteral("written by a newer CPO Studio")), qPrintable(error));
    QVERIFY(error.contains(QStringLiteral("schema version %1").arg(newer)));
    QVERIFY(error.contains(QStringLiteral("this build knows schema version %1")
                               .arg(kSchemaVersion)));
    QVERIFY(error.contains(QStringLiteral("upgrade")));
}

void StoreTest::readerRefusesFileItCannotRead()
{
    const QString missing = errorOf([&] { RunStore store(dbPath(), OpenMode::ReadOnly); });
    QVERIFY2(missing.contains(QStringLiteral("cannot open")), qPrintable(missing));
    QVERIFY(!std::filesystem::exists(dbPath()));

    {
        Database db(dbPath(), OpenMode::ReadWrite);
        migrate(db, 1);
    }
    const QString old = errorOf([&] { RunStore store(dbPath(), OpenMode::ReadOnly); });
    QVERIFY2(old.contains(QStringLiteral("older")), qPrintable(old));

    std::ofstream(dbPath(), std::ios::trunc) << "not a database, just text long enough to see";
    const QString garbage = errorOf([&] { RunStore store(dbPath()); });
    QVERIFY2(garbage.contains(QString::fromStdString(dbPath().string())), qPrintable(garbage));
}

void StoreTest::readerSeesCommittedPrefixesWhileWriting()
{
    constexpr std::int64_t kRows = 100'000;
    constexpr std::size_t kBatch = 1000;
    const std::filesystem::path file = dbPath();
    RunStore writerStore(file);
    const std::int64_t runId = writerStore.createRun(makeRun("live"));

    std::atomic<bool> readerReady{false};
    std::atomic<bool> writerDone{false};
    std::string failure;
    int reads = 0;
    std::size_t finalSize = 0;
    std::thread reader([&] {
        try {
            RunStore store(file, OpenMode::ReadOnly);
            Series live; // grown by incremental polls, as a live plot is
            readerReady = true;
            for (bool last = false; !last && failure.empty();) {
                last = writerDone.load(); // one more read after the writer is done
                const Series full = store.readSeries(runId, "loss");
                ++reads;
                failure = prefixProblem(full, kBatch);
                if (full.steps.size() < live.steps.size())
                    failure = "a later read saw fewer points";
                const Series next = store.readSeries(
                    runId, "loss", live.steps.empty() ? -1 : live.steps.back());
                live.steps.insert(live.steps.end(), next.steps.begin(), next.steps.end());
                live.values.insert(live.values.end(), next.values.begin(), next.values.end());
                if (failure.empty())
                    failure = prefixProblem(live, kBatch);
            }
            finalSize = live.steps.size();
        } catch (const std::exception& error) {
            failure = error.what();
        }
        readerReady = true;
    });
    while (!readerReady)
        std::this_thread::yield();

    try {
        MetricWriter writer(writerStore, runId, {kBatch, std::chrono::hours(1)});
        for (std::int64_t step = 0; step < kRows; ++step)
            writer.append({"cpo", step, "loss", valueAt(step), 1.0e9 + double(step)});
    } catch (const std::exception& error) {
        writerDone = true;
        reader.join();
        QFAIL(error.what());
    }
    writerDone = true;
    reader.join();
    QVERIFY2(failure.empty(), failure.c_str());
    QCOMPARE(finalSize, std::size_t(kRows));
    QCOMPARE(writerStore.database().integrityProblems(), std::vector<std::string>{});
    QVERIFY2(reads > 2, qPrintable(QStringLiteral("only %1 reads").arg(reads)));
    qInfo("%d consistent reads while 100 000 rows were written", reads);
}

void StoreTest::duplicateJudgmentIsRejected()
{
    RunStore store(dbPath());
    const JudgmentRecord first{0, "judge-cfg", "prompt", "pair", true, "A", "A is better",
                               812.5, 0.002, 0};
    QVERIFY(store.insertJudgment(first));

    JudgmentRecord second = first;
    second.verdict = "B";
    second.rawAnswer = "B is better";
    QVERIFY(!store.insertJudgment(second));

    const auto found = store.findJudgment("judge-cfg", "prompt", "pair", true);
    QVERIFY(found);
    QCOMPARE(found->verdict, std::string("A"));
    QCOMPARE(found->rawAnswer, std::string("A is better"));
    QCOMPARE(found->latencyMs, 812.5);
    QCOMPARE(found->cost, 0.002);
    QVERIFY(!store.findJudgment("judge-cfg", "prompt", "pair", false));

    JudgmentRecord swapped = first;
    swapped.orderAb = false; // the other order is a different question
    QVERIFY(store.insertJudgment(swapped));

    // The unique key itself refuses a second row, not only insertJudgment.
    const QString error = errorOf([&] {
        Statement insert(store.database(),
                         "INSERT INTO judgments (judge_config_hash, prompt_hash, pair_hash, "
                         "order_ab, verdict, raw_answer, latency_ms, cost, created_at) "
                         "VALUES ('judge-cfg', 'prompt', 'pair', 1, 'B', '', 0, 0, 0)");
        insert.run();
    });
    QVERIFY2(error.contains(QStringLiteral("UNIQUE")), qPrintable(error));
    Statement count(store.database(), "SELECT COUNT(*) FROM judgments");
    QVERIFY(count.step());
    QCOMPARE(count.columnInt64(0), std::int64_t{2});
}

void StoreTest::runRoundTrip()
{
    RunStore store(dbPath());
    const std::int64_t parent = store.createRun(makeRun("parent"));
    RunRecord run = makeRun("child", 1234);
    run.status = RunStatus::Running;
    run.appVersion = "0.1.0";
    run.gitRevision = "deadbeef";
    run.machineInfo = "2 cores, 16 GiB";
    run.deviceInfo = "cpu";
    run.parentRunId = parent;
    run.tags = {"beta=5", "K=4", "quote\"d"};
    run.notes = "resumed after a crash";
    const std::int64_t id = store.createRun(run);

    const auto read = store.getRun(id);
    QVERIFY(read);
    QCOMPARE(read->id, id);
    QCOMPARE(read->name, run.name);
    QCOMPARE(read->status, RunStatus::Running);
    QCOMPARE(read->experimentJson, run.experimentJson);
    QCOMPARE(read->configHash, run.configHash);
    QCOMPARE(read->appVersion, run.appVersion);
    QCOMPARE(read->gitRevision, run.gitRevision);
    QCOMPARE(read->machineInfo, run.machineInfo);
    QCOMPARE(read->deviceInfo, run.deviceInfo);
    QCOMPARE(read->parentRunId, std::optional<std::int64_t>(parent));
    QCOMPARE(read->tags, run.tags);
    QCOMPARE(read->notes, run.notes);
    QCOMPARE(read->createdAt, std::int64_t{1234});
    QVERIFY(!read->finishedAt);
    QVERIFY(read->error.empty());
    QVERIFY(!store.getRun(id + 100));
    QVERIFY(store.getRun(parent)->createdAt > 0); // stamped when not given
}

void StoreTest::runsListedNewestFirst()
{
    RunStore store(dbPath());
    const std::int64_t oldest = store.createRun(makeRun("oldest", 1000));
    const std::int64_t newest = store.createRun(makeRun("newest", 3000));
    const std::int64_t middle = store.createRun(makeRun("middle", 2000));
    const std::int64_t sameTime = store.createRun(makeRun("same time, created later", 2000));

    std::vector<std::int64_t> ids;
    for (const RunRecord& run : store.listRuns())
        ids.push_back(run.id);
    QCOMPARE(ids, (std::vector<std::int64_t>{newest, sameTime, middle, oldest}));
}

void StoreTest::runStatusAndOwnership()
{
    RunStore store(dbPath());
    const std::int64_t id = store.createRun(makeRun("run"));

    store.setOwner(id, 4321, "node-7");
    auto run = *store.getRun(id);
    QCOMPARE(run.ownerPid, std::optional<std::int64_t>(4321));
    QCOMPARE(run.ownerHost, std::string("node-7"));
    QVERIFY(run.heartbeat && *run.heartbeat > 0);
    store.heartbeat(id);
    QVERIFY(*store.getRun(id)->heartbeat >= *run.heartbeat);

    store.updateRunStatus(id, RunStatus::Failed, "loss is NaN at step 12");
    run = *store.getRun(id);
    QCOMPARE(run.status, RunStatus::Failed);
    QCOMPARE(run.error, std::string("loss is NaN at step 12"));
    QVERIFY(run.finishedAt);

    store.updateRunStatus(id, RunStatus::Running); // resumed: unfinished, no error
    run = *store.getRun(id);
    QVERIFY(!run.finishedAt);
    QVERIFY(run.error.empty());

    store.clearOwner(id);
    run = *store.getRun(id);
    QVERIFY(!run.ownerPid);
    QVERIFY(run.ownerHost.empty());

    QVERIFY(!errorOf([&] { store.updateRunStatus(id + 1, RunStatus::Finished); }).isEmpty());
    QVERIFY(!errorOf([&] { store.heartbeat(id + 1); }).isEmpty());
    QCOMPARE(statusFromName("cancelled"), RunStatus::Cancelled);
    QVERIFY(!errorOf([] { statusFromName("done"); }).isEmpty());
}

void StoreTest::deleteRunCascades()
{
    RunStore store(dbPath());
    const std::int64_t id = store.createRun(makeRun("doomed"));
    const std::int64_t other = store.createRun(makeRun("kept"));
    RunRecord child = makeRun("resumed from doomed");
    child.parentRunId = id;
    const std::int64_t childId = store.createRun(child);

    for (const std::int64_t run : {id, other}) {
        const std::vector<MetricPoint> points{{"mle", 0, "loss", 1.0, 0.0},
                                              {"mle", 1, "loss", 0.5, 0.0}};
        store.appendMetrics(run, points);
        store.recordCheckpoint({0, run, "mle", 1, "/c", "00", 0});
        store.recordAlert({0, run, "mle", 1, "nan", "loss is NaN", 0});
        store.insertSampleSet({0, run, "cpo", 1, "x", 0, {{0, CandidateRole::GroundTruth,
                                                           "", "y", {1, 2}, {}, {}, {}, {},
                                                           {}}}});
    }
    Database& db = store.database();
    Statement evaluation(db, "INSERT INTO evaluations (run_id, eval_set, model_label, step, "
                             "judge, created_at) VALUES (?, 'dolly', 'cpo', 1, 'oracle', 0)");
    evaluation.bindInt64(1, id);
    evaluation.run();
    Statement generation(db, "INSERT INTO generations (evaluation_id, example_hash, prompt, "
                             "reference, text, created_at) VALUES (?, 'e', 'p', 'r', 't', 0)");
    generation.bindInt64(1, db.lastInsertRowId());
    generation.run();

    QVERIFY(store.deleteRun(id));
    QVERIFY(!store.getRun(id));
    QVERIFY(!store.deleteRun(id));
    const std::pair<const char*, std::int64_t> perRun[] = {
        {"SELECT COUNT(*) FROM metrics WHERE run_id = ?", 2},
        {"SELECT COUNT(*) FROM checkpoints WHERE run_id = ?", 1},
        {"SELECT COUNT(*) FROM alerts WHERE run_id = ?", 1},
        {"SELECT COUNT(*) FROM sample_sets WHERE run_id = ?", 1},
    };
    for (const auto& [sql, keptRows] : perRun) {
        QCOMPARE(countRows(db, sql, id), std::int64_t{0});
        QCOMPARE(countRows(db, sql, other), keptRows);
    }
    QCOMPARE(countRows(db, "SELECT COUNT(*) FROM evaluations WHERE run_id = ?", id),
             std::int64_t{0});
    // Children without a run_id of their own: the kept run's candidate is all that is left.
    QCOMPARE(countRows(db, "SELECT COUNT(*) FROM candidates WHERE sample_set_id > ?", 0),
             std::int64_t{1});
    QCOMPARE(countRows(db, "SELECT COUNT(*) FROM generations WHERE evaluation_id > ?", 0),
             std::int64_t{0});
    QVERIFY(!store.getRun(childId)->parentRunId);
    QCOMPARE(store.readSeries(other, "loss").steps.size(), std::size_t{2});
    // Foreign keys are enforced: nothing can be logged for a run that is gone.
    const QString orphan = errorOf([&] {
        store.appendMetrics(id, std::vector<MetricPoint>{{"mle", 5, "loss", 1.0, 0.0}});
    });
    QVERIFY2(orphan.contains(QStringLiteral("FOREIGN KEY")), qPrintable(orphan));
}

void StoreTest::metricValuesRoundTrip_data()
{
    QTest::addColumn<double>("value");
    QTest::newRow("ordinary") << 2.718281828459045;
    QTest::newRow("smallest subnormal") << std::numeric_limits<double>::denorm_min();
    QTest::newRow("largest") << std::numeric_limits<double>::max();
    QTest::newRow("+inf") << std::numeric_limits<double>::infinity();
    QTest::newRow("-inf") << -std::numeric_limits<double>::infinity();
    QTest::newRow("NaN (a diverged loss)") << std::numeric_limits<double>::quiet_NaN();
}

void StoreTest::metricValuesRoundTrip()
{
    QFETCH(double, value);
    RunStore store(dbPath());
    const std::int64_t id = store.createRun(makeRun("values"));
    const MetricPoint point{"cpo", 3, "loss", value, 1.7e9};
    store.appendMetrics(id, std::span(&point, 1));
    const Series series = store.readSeries(id, "loss");
    QCOMPARE(series.values.size(), std::size_t{1});
    if (std::isnan(value))
        QVERIFY(std::isnan(series.values[0]));
    else
        QCOMPARE(std::memcmp(&series.values[0], &value, sizeof value), 0);
}

void StoreTest::resumeDropsMetricsAfterCheckpoint()
{
    RunStore store(dbPath());
    const std::int64_t id = store.createRun(makeRun("resumable"));
    const auto append = [&](const std::string& phase, std::int64_t from, std::int64_t to) {
        std::vector<MetricPoint> points;
        for (std::int64_t step = from; step <= to; ++step)
            for (const char* key : {"loss", "lr"})
                points.push_back({phase, step, key, double(step), 0.0});
        store.appendMetrics(id, points);
    };
    append("mle", 0, 99);
    append("cpo", 100, 149);
    QCOMPARE(store.lastStep(id, "mle"), std::optional<std::int64_t>(99));
    QCOMPARE(store.lastStep(id, "cpo"), std::optional<std::int64_t>(149));
    QVERIFY(!store.lastStep(id, "eval"));

    // A step already recorded is an error, never a silent second point.
    QVERIFY(!errorOf([&] { append("cpo", 149, 149); }).isEmpty());
    QCOMPARE(store.lastStep(id, "cpo"), std::optional<std::int64_t>(149));

    // Sample sets, alerts and checkpoint records are logged again after a resume too.
    for (const std::int64_t step : {110, 130}) {
        store.insertSampleSet({0, id, "cpo", step, "prompt", 0, {}});
        store.recordAlert({0, id, "cpo", step, "saturated", "m", 0});
        store.recordCheckpoint({0, id, "cpo", step, "/ckpt/" + std::to_string(step), {}, 0});
    }

    // Resume from a checkpoint at step 120: drop what came after it, then replay.
    const DiscardedRows dropped = store.discardAfter(id, "cpo", 120);
    QCOMPARE(dropped.metrics, 2 * 29);
    QCOMPARE(dropped.sampleSets, 1);
    QCOMPARE(dropped.alerts, 1);
    QCOMPARE(dropped.checkpoints, 1);
    QCOMPARE(store.readSampleSets(id).size(), std::size_t{1});
    QCOMPARE(store.listAlerts(id).size(), std::size_t{1});
    QCOMPARE(store.latestCheckpoint(id)->step, std::int64_t{110});
    QVERIFY(!store.latestCheckpoint(id, "mle"));
    QCOMPARE(store.lastStep(id, "cpo"), std::optional<std::int64_t>(120));
    QCOMPARE(store.lastStep(id, "mle"), std::optional<std::int64_t>(99));
    append("cpo", 121, 149);

    for (const char* key : {"loss", "lr"}) {
        const Series series = store.readSeries(id, key);
        QCOMPARE(series.steps.size(), std::size_t{150});
        for (std::size_t i = 0; i < series.steps.size(); ++i)
            QCOMPARE(series.steps[i], std::int64_t(i));
    }
}

void StoreTest::seriesKeysAndIncrementalReads()
{
    RunStore store(dbPath());
    const std::int64_t id = store.createRun(makeRun("keys"));
    const std::int64_t other = store.createRun(makeRun("other"));
    std::vector<MetricPoint> points;
    for (std::int64_t step = 0; step < 10; ++step)
        for (const char* key : {"mle/loss", "cpo/loss", "grad_norm", "lr"})
            points.push_back({"mle", step, key, double(step), 0.0});
    store.appendMetrics(id, points);
    store.appendMetrics(other, std::vector<MetricPoint>{{"mle", 0, "zzz", 1.0, 0.0}});

    QCOMPARE(store.seriesKeys(id),
             (std::vector<std::string>{"cpo/loss", "grad_norm", "lr", "mle/loss"}));
    QCOMPARE(store.seriesKeys(other), std::vector<std::string>{"zzz"});
    QVERIFY(store.seriesKeys(other + 1).empty());
    QCOMPARE(store.readSeries(id, "lr", 6).steps, (std::vector<std::int64_t>{7, 8, 9}));
    QVERIFY(store.readSeries(id, "missing").steps.empty());
}

void StoreTest::metricWriterBatches()
{
    RunStore store(dbPath());
    const std::int64_t id = store.createRun(makeRun("batched"));
    RunStore reader(dbPath(), OpenMode::ReadOnly);
    const auto visible = [&] { return reader.readSeries(id, "loss").steps.size(); };
    {
        MetricWriter writer(store, id, {10, std::chrono::hours(1)});
        for (std::int64_t step = 0; step < 25; ++step)
            writer.append({"mle", step, "loss", 1.0, 0.0});
        QCOMPARE(writer.pending(), std::size_t{5});
        QCOMPARE(visible(), std::size_t{20});
        writer.flush();
        QCOMPARE(visible(), std::size_t{25});
        writer.append({"mle", 25, "loss", 1.0, 0.0});
    } // the destructor flushes
    QCOMPARE(visible(), std::size_t{26});

    MetricWriter slow(store, id, {1000, std::chrono::milliseconds(30)});
    slow.append({"mle", 100, "loss", 1.0, 0.0});
    QCOMPARE(slow.pending(), std::size_t{1});
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    slow.append({"mle", 101, "loss", 1.0, 0.0}); // the oldest row is now too old
    QCOMPARE(slow.pending(), std::size_t{0});
    QCOMPARE(visible(), std::size_t{28});
}

void StoreTest::sampleSetBlobsRoundTrip()
{
    RunStore store(dbPath());
    const std::int64_t id = store.createRun(makeRun("samples"));
    constexpr float kInf = std::numeric_limits<float>::infinity();
    SampleSetRecord set{0, id, "cpo", 40, "Once upon a time", 0, {}};
    set.candidates.push_back({0, CandidateRole::GroundTruth, "", "there was a cat",
                              {0, 50256, std::numeric_limits<std::int32_t>::max(), -1},
                              {-0.25f, -1e-30f, -kInf, std::numeric_limits<float>::quiet_NaN()},
                              {-0.5f, 0.0f, -0.0f, -3.4e38f}, 1.5, 1.0, 1});
    set.candidates.push_back({1, CandidateRole::Negative, "TN", "there", {17}, {}, {}, -2.0,
                              0.25, 3});
    set.candidates.push_back({2, CandidateRole::Negative, "MN", "", {}, {}, {}, std::nullopt,
                              std::nullopt, std::nullopt});
    const std::int64_t setId = store.insertSampleSet(set);
    store.insertSampleSet({0, id, "cpo", 20, "earlier", 0, {}});

    const auto sets = store.readSampleSets(id);
    QCOMPARE(sets.size(), std::size_t{2});
    QCOMPARE(sets[0].step, std::int64_t{20}); // ordered by step
    QVERIFY(sets[0].candidates.empty());
    const SampleSetRecord& read = sets[1];
    QCOMPARE(read.id, setId);
    QCOMPARE(read.prompt, set.prompt);
    QCOMPARE(read.candidates.size(), set.candidates.size());
    for (std::size_t i = 0; i < set.candidates.size(); ++i) {
        const CandidateRecord& want = set.candidates[i];
        const CandidateRecord& got = read.candidates[i];
        QCOMPARE(got.idx, want.idx);
        QCOMPARE(got.role, want.role);
        QCOMPARE(got.strategy, want.strategy);
        QCOMPARE(got.text, want.text);
        QCOMPARE(got.tokenIds, want.tokenIds);
        QVERIFY(sameBits(got.logpTheta, want.logpTheta));
        QVERIFY(sameBits(got.logpRef, want.logpRef));
        QCOMPARE(got.reward, want.reward);
        QCOMPARE(got.similarity, want.similarity);
        QCOMPARE(got.rank, want.rank);
    }
}

void StoreTest::nestedTransactionRollsBackSampleSet()
{
    RunStore store(dbPath());
    const std::int64_t id = store.createRun(makeRun("atomic"));
    {
        Transaction outer(store.database());
        store.insertSampleSet({0, id, "cpo", 1, "x", 0, {}});
        store.appendMetrics(id, std::vector<MetricPoint>{{"cpo", 1, "loss", 1.0, 0.0}});
    } // not committed
    QVERIFY(store.readSampleSets(id).empty());
    QVERIFY(store.readSeries(id, "loss").steps.empty());

    // A candidate that breaks a constraint takes its whole set with it.
    SampleSetRecord bad{0, id, "cpo", 2, "x", 0, {}};
    bad.candidates.push_back({0, CandidateRole::GroundTruth, "", "y", {1}, {}, {}, {}, {}, {}});
    bad.candidates.push_back({0, CandidateRole::Negative, "BN", "z", {2}, {}, {}, {}, {}, {}});
    QVERIFY(!errorOf([&] { store.insertSampleSet(bad); }).isEmpty());
    QVERIFY(store.readSampleSets(id).empty());
}

void StoreTest::checkpointsAndAlerts()
{
    RunStore store(dbPath());
    const std::int64_t id = store.createRun(makeRun("ckpt"));
    QVERIFY(!store.latestCheckpoint(id));
    store.recordCheckpoint({0, id, "mle", 2000, "/runs/1/mle-2000.pt", "aa", 0});
    store.recordCheckpoint({0, id, "cpo", 100, "/runs/1/cpo-100.pt", "bb", 0});
    const auto latest = store.latestCheckpoint(id);
    QVERIFY(latest);
    QCOMPARE(latest->phase, std::string("cpo"));
    QCOMPARE(latest->step, std::int64_t{100});
    QCOMPARE(latest->sha256, std::string("bb"));

    store.recordAlert({0, id, "cpo", 30, "nan", "loss is NaN", 5});
    store.recordAlert({0, id, "cpo", 10, "grad", "gradient norm 1e6", 6});
    const auto alerts = store.listAlerts(id);
    QCOMPARE(alerts.size(), std::size_t{2});
    QCOMPARE(alerts[0].step, std::int64_t{10});
    QCOMPARE(alerts[1].message, std::string("loss is NaN"));
    QCOMPARE(alerts[1].createdAt, std::int64_t{5});
}

void StoreTest::exportsCsv()
{
    RunStore store(dbPath());
    const std::int64_t id = store.createRun(makeRun("csv"));
    const std::vector<MetricPoint> points{
        {"mle", 1, "loss", 2.5, 1700000000.25},
        {"mle", 0, "loss", 3.0, 1700000000.0},
        {"cpo", 0, "win rate, oracle", 0.41, 1700000001.5},
        {"cpo", 1, "win rate, oracle", std::nan(""), 1700000002.0},
        {"cpo", 2, "say \"hi\"", 0.1, 1.0},
    };
    store.appendMetrics(id, points);
    std::ostringstream csv;
    writeMetricsCsv(store, id, csv);
    QCOMPARE(QString::fromStdString(csv.str()),
             QStringLiteral("phase,step,key,value,wall_time\n"
                            "mle,0,loss,3,1.7e+09\n"
                            "mle,1,loss,2.5,1700000000.25\n"
                            "cpo,2,\"say \"\"hi\"\"\",0.1,1\n"
                            "cpo,0,\"win rate, oracle\",0.41,1700000001.5\n"
                            "cpo,1,\"win rate, oracle\",nan,1700000002\n"));

    const auto file = filePath("m.csv");
    exportMetricsCsv(store, id, file);
    QFile written(QString::fromStdString(file.string()));
    QVERIFY(written.open(QIODevice::ReadOnly));
    QCOMPARE(written.readAll().toStdString(), csv.str());
}

void StoreTest::exportsJson()
{
    RunStore store(dbPath());
    const std::int64_t id = store.createRun(makeRun("json"));
    store.updateRunStatus(id, RunStatus::Finished);
    store.appendMetrics(id, std::vector<MetricPoint>{{"mle", 0, "loss", 3.0, 10.0},
                                                     {"mle", 1, "loss", std::nan(""), 11.0},
                                                     {"cpo", 5, "lr", 1e-4, 12.0}});
    const auto file = filePath("m.json");
    exportMetricsJson(store, id, file);

    QFile written(QString::fromStdString(file.string()));
    QVERIFY(written.open(QIODevice::ReadOnly));
    QJsonParseError parseError;
    const QJsonObject root = QJsonDocument::fromJson(written.readAll(), &parseError).object();
    QCOMPARE(parseError.error, QJsonParseError::NoError);
    const QJsonObject run = root.value(QStringLiteral("run")).toObject();
    QCOMPARE(run.value(QStringLiteral("id")).toInteger(), id);
    QCOMPARE(run.value(QStringLiteral("name")).toString(), QStringLiteral("json"));
    QCOMPARE(run.value(QStringLiteral("status")).toString(), QStringLiteral("finished"));
    QCOMPARE(run.value(QStringLiteral("config_hash")).toString(), QStringLiteral("hash-json"));
    const QJsonObject series = root.value(QStringLiteral("series")).toObject();
    QCOMPARE(series.keys(), (QStringList{QStringLiteral("loss"), QStringLiteral("lr")}));
    const QJsonObject loss = series.value(QStringLiteral("loss")).toObject();
    QCOMPARE(loss.value(QStringLiteral("step")).toArray(), (QJsonArray{0, 1}));
    QCOMPARE(loss.value(QStringLiteral("value")).toArray(), (QJsonArray{3.0, QJsonValue()}));
    QCOMPARE(loss.value(QStringLiteral("phase")).toArray(),
             (QJsonArray{QStringLiteral("mle"), QStringLiteral("mle")}));
    QCOMPARE(loss.value(QStringLiteral("wall_time")).toArray(), (QJsonArray{10.0, 11.0}));
    const QJsonObject lr = series.value(QStringLiteral("lr")).toObject();
    QCOMPARE(lr.value(QStringLiteral("value")).toArray(), (QJsonArray{1e-4}));
}

void StoreTest::exportsExperimentExactly()
{
    RunStore store(dbPath());
    RunRecord run = makeRun("exact");
    // Odd spacing, UTF-8 and an escape: exported byte for byte, not re-serialised.
    run.experimentJson = "{\n  \"beta\": 5,\n  \"note\": \"caf\xc3\xa9 \\u00e9\",\t\"k\": [4]}\n";
    const std::int64_t id = store.createRun(run);
    const auto file = filePath("e.json");
    exportExperiment(store, id, file);
    QFile written(QString::fromStdString(file.string()));
    QVERIFY(written.open(QIODevice::ReadOnly));
    QCOMPARE(written.readAll().toStdString(), run.experimentJson);

    const auto missing = filePath("none.json");
    const QString error = errorOf([&] { exportExperiment(store, id + 1, missing); });
    QVERIFY2(error.contains(QStringLiteral("no run with id")), qPrintable(error));
    QVERIFY(!errorOf([&] { exportMetricsCsv(store, id + 1, missing); }).isEmpty());
    QVERIFY(!std::filesystem::exists(missing));
    QVERIFY(!std::filesystem::exists(missing.string() + ".partial"));
}

QTEST_MAIN(StoreTest)
#include "tst_store.moc"
