// What a hostile or unlucky user can feed `cpo` without losing data or escaping a run's folder
// (docs/bad-input.md): experiment names as paths, deeply nested JSON, exports aimed at the
// store, --out at another run's folder, same-second runs, damaged checkpoints. Each case runs
// the real binary (CPO_CLI) through QProcess, with XDG_DATA_HOME in a scratch folder.

#include "cli_runner.h"
#include "test_env.h"
#include "test_files.h"

#include "store/run_store.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QDirIterator>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>
#include <string>

namespace {

using cpo::test::CliResult;
using cpo::test::parseSingleJson;
using cpo::test::runCpo;

// The shipped oracle demo shrunk to an MLE phase of a few seconds: 8 steps, a checkpoint
// every 4.
QStringList tinyRun(const QStringList& extra)
{
    return QStringList{"run", cpo::test::sourceDir() + "/experiments/demo-oracle.json",
                       "--set", "device=cpu",
                       "--set", "threads=1",
                       "--set", "cpo=null",
                       "--set", "dataset.oracle.train_examples=32",
                       "--set", "dataset.oracle.validation_examples=8",
                       "--set", "dataset.oracle.test_examples=8",
                       "--set", "mle.steps=8",
                       "--set", "mle.batch_size=4",
                       "--set", "mle.warmup_steps=1",
                       "--set", "mle.eval_every=0",
                       "--set", "mle.checkpoint_every=4"} +
           extra;
}

QByteArray readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QString sha256Of(const QString& path)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(readFile(path), QCryptographicHash::Sha256).toHex());
}

void flipByte(const QString& path, qint64 offset)
{
    auto bytes = readFile(path);
    QVERIFY(offset < bytes.size());
    bytes[offset] = static_cast<char>(bytes[offset] ^ 0x10);
    cpo::test::writeFile(path, bytes);
}

// Every file under `dir`, relative, sorted.
QStringList filesUnder(const QString& dir)
{
    QStringList files;
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext())
        files << QDir(dir).relativeFilePath(it.next());
    files.sort();
    return files;
}

void verifyOneLineError(const CliResult& result, const QString& mentions)
{
    QVERIFY2(result.exitCode == 1, qPrintable(QString("exit code %1: %2")
                                                  .arg(result.exitCode)
                                                  .arg(QString::fromUtf8(result.err))));
    const QString err = QString::fromUtf8(result.err).trimmed();
    QVERIFY2(!err.contains('\n'), qPrintable("expected one line, got: " + err));
    QVERIFY2(err.contains(mentions), qPrintable(err + " does not mention " + mentions));
}

} // namespace

class TestSafety : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void nameNeverLeavesTheRunsFolder_data();
    void nameNeverLeavesTheRunsFolder();
    void deeplyNestedJsonIsRefused_data();
    void deeplyNestedJsonIsRefused();
    void exportNeverOverwritesTheStore_data();
    void exportNeverOverwritesTheStore();
    void outAtAnotherRunsFolderIsRefused();
    void sameSecondRunsGetFoldersOfTheirOwn();
    void checkpointDigestIsRecordedAndChecked();
    void resumePassesOverADamagedCheckpoint();
    void killedCpoRunResumesBitForBit();

private:
    // XDG_DATA_HOME in the scratch folder: the default store and runs folder live there.
    QProcessEnvironment scratchEnvironment() const;
    CliResult run(const QStringList& arguments) const
    {
        return runCpo(arguments, {}, scratchEnvironment());
    }
    QString runsFolder() const { return m_dir.filePath("data/cpo-studio/runs"); }
    // A finished tiny run in its own store; returns its summary.
    QJsonObject finishedRun(const QString& db, const QString& out);

    QTemporaryDir m_dir;
};

void TestSafety::initTestCase()
{
    QVERIFY2(QFileInfo::exists(cpo::test::cliPath()), "CPO_CLI must point at the cpo binary");
    QVERIFY(m_dir.isValid());
}

QProcessEnvironment TestSafety::scratchEnvironment() const
{
    auto environment = QProcessEnvironment::systemEnvironment();
    environment.insert("XDG_DATA_HOME", m_dir.filePath("data"));
    return environment;
}

QJsonObject TestSafety::finishedRun(const QString& db, const QString& out)
{
    const auto result = run(tinyRun({"--db", db, "--out", out}));
    if (result.exitCode != 0)
        qWarning() << "the tiny run failed:" << result.err;
    return parseSingleJson(result.out);
}

void TestSafety::nameNeverLeavesTheRunsFolder_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("folderStart"); // what the folder's name starts with
    QTest::newRow("absolute path") << "/tmp/cpo-escape" << "-tmp-cpo-escape-";
    QTest::newRow("parent folders") << "../../cpo-escape" << "-..-cpo-escape-";
    QTest::newRow("just dots") << ".." << "run-";
    QTest::newRow("control characters") << "a\x1b[31mb\nc\td" << "a--31mb-c-d-";
    QTest::newRow("very long") << QString(5000, 'x') << QString(80, 'x') + "-";
}

void TestSafety::nameNeverLeavesTheRunsFolder()
{
    QFETCH(QString, name);
    QFETCH(QString, folderStart);
    const auto before = filesUnder(m_dir.path());
    const auto escapedBefore = QDir("/tmp").entryList({"cpo-escape*"});
    const auto result = run(tinyRun({"--set", "name=" + name, "--set", "mle.steps=1",
                                     "--db", m_dir.filePath("names.sqlite")}));
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const QFileInfo folder(parseSingleJson(result.out)["run_dir"].toString());
    QCOMPARE(folder.absolutePath(), QFileInfo(runsFolder()).absoluteFilePath());
    QVERIFY2(folder.fileName().startsWith(folderStart), qPrintable(folder.fileName()));
    QVERIFY(QFileInfo::exists(folder.filePath() + "/experiment.json"));
    // Nothing was written anywhere else: outside the runs folder only the store changed.
    for (const auto& file : filesUnder(m_dir.path()))
        if (!before.contains(file))
            QVERIFY2(file.startsWith("data/cpo-studio/runs/" + folder.fileName() + "/") ||
                         file.startsWith("names.sqlite"),
                     qPrintable(file));
    QCOMPARE(QDir("/tmp").entryList({"cpo-escape*"}), escapedBefore);
}

void TestSafety::deeplyNestedJsonIsRefused_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("arguments"); // FILE stands for the nested file
    const QStringList run{"run", "FILE", "--db", "DB"};
    QTest::newRow("experiment") << "deep.json" << run;
    QTest::newRow("queue file") << "queue.json"
                                << QStringList{"runs", "queue", "FILE", "--dry-run", "--db",
                                               "DB"};
    QTest::newRow("tokenizer.json") << "tokenizer.json"
                                    << QStringList{"tokenize", "--tokenizer", "FILE"};
    QTest::newRow("config.json") << "model/config.json"
                                 << QStringList{"logits", "--model", "FOLDER", "--tokens", "1"};
    QTest::newRow("model config file") << "gpt2.json"
                                       << QStringList{"init-model", "--arch", "gpt2", "--config",
                                                      "FILE", "--out", "FOLDER"};
    QTest::newRow("--set value") << "" << QStringList{"run", "FILE", "--set", "seed=NESTED",
                                                      "--db", "DB"};
}

void TestSafety::deeplyNestedJsonIsRefused()
{
    QFETCH(QString, file);
    QFETCH(QStringList, arguments);
    const QByteArray nested = QByteArray(100000, '[') + QByteArray(100000, ']');
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath("model"));
    cpo::test::writeFile(dir.filePath("model/model.safetensors"), "weights");
    const QString path = dir.filePath(file.isEmpty() ? "experiment.json" : file);
    cpo::test::writeFile(path, file.isEmpty() ? QByteArray(R"({"name": "x"})") : nested);
    for (auto& argument : arguments) {
        argument.replace("FOLDER", dir.filePath("model"));
        argument.replace("FILE", path);
        argument.replace("DB", dir.filePath("runs.sqlite"));
        argument.replace("NESTED", QString::fromLatin1(nested.left(2000) + nested.right(2000)));
    }
    const auto result = run(arguments);
    verifyOneLineError(result, "nested more than 256 levels");
    if (!file.isEmpty())
        QVERIFY2(result.err.contains(QFileInfo(path).fileName().toUtf8()), result.err);
}

void TestSafety::exportNeverOverwritesTheStore_data()
{
    QTest::addColumn<QString>("flag");
    QTest::addColumn<QString>("suffix"); // after the store's path
    QTest::newRow("--csv STORE") << "--csv" << "";
    QTest::newRow("--json STORE") << "--json" << "";
    QTest::newRow("--experiment STORE") << "--experiment" << "";
    QTest::newRow("--csv STORE-wal") << "--csv" << "-wal";
    QTest::newRow("through ./") << "--csv" << "/../export.sqlite";
}

void TestSafety::exportNeverOverwritesTheStore()
{
    QFETCH(QString, flag);
    QFETCH(QString, suffix);
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath("sub"));
    const QString db = dir.filePath("export.sqlite");
    {
        cpo::store::RunStore store(db.toStdString());
        cpo::store::RunRecord run;
        run.name = "precious";
        run.experimentJson = R"({"name": "precious"})";
        store.createRun(run);
    }
    const QString target = suffix.startsWith('/') ? dir.filePath("sub") + suffix : db + suffix;
    const auto before = readFile(db);
    verifyOneLineError(run({"runs", "export", "1", flag, target, "--db", db}),
                       "run store's own file");
    QCOMPARE(readFile(db), before);
    cpo::store::RunStore store(db.toStdString());
    QCOMPARE(store.getRun(1)->name, std::string("precious"));
    // Beside it, the export is written as before.
    const auto written = run({"runs", "export", "1", flag, dir.filePath("out.txt"), "--db", db});
    QVERIFY2(written.exitCode == 0, written.err.constData());
}

void TestSafety::outAtAnotherRunsFolderIsRefused()
{
    const QString out = m_dir.filePath("taken");
    const auto first = finishedRun(m_dir.filePath("out.sqlite"), out);
    QCOMPARE(first["status"].toString(), QString("finished"));
    const auto files = filesUnder(out);
    QVERIFY(files.contains("experiment.json"));
    const auto experiment = readFile(out + "/experiment.json");
    const auto weights = sha256Of(out + "/mle/step-00000008/model.safetensors");

    const auto second = run(tinyRun({"--set", "seed=2", "--out", out, "--db",
                                     m_dir.filePath("out.sqlite")}));
    verifyOneLineError(second, "not empty");
    QVERIFY(second.err.contains(out.toUtf8()));
    QCOMPARE(filesUnder(out), files);
    QCOMPARE(readFile(out + "/experiment.json"), experiment);
    QCOMPARE(sha256Of(out + "/mle/step-00000008/model.safetensors"), weights);
    // The refused run left no row behind.
    cpo::store::RunStore store(m_dir.filePath("out.sqlite").toStdString());
    QCOMPARE(store.listRuns().size(), std::size_t{1});

    // An empty folder is a new run's to take.
    const QString empty = m_dir.filePath("empty");
    QVERIFY(QDir().mkpath(empty));
    QCOMPARE(finishedRun(m_dir.filePath("out.sqlite"), empty)["status"].toString(),
             QString("finished"));
}

void TestSafety::sameSecondRunsGetFoldersOfTheirOwn()
{
    // Folders of that name for the next seconds are another run's already.
    const QString name = "same-second";
    const auto now = QDateTime::currentDateTime();
    QStringList taken;
    for (int s = 0; s < 30; ++s) {
        const QString folder =
            runsFolder() + "/" + name + "-" + now.addSecs(s).toString("yyyyMMdd-HHmmss");
        QVERIFY(QDir().mkpath(folder));
        cpo::test::writeFile(folder + "/experiment.json", "another run's");
        taken << folder;
    }
    // Two runs at once, both of that name.
    const QString db = m_dir.filePath("same.sqlite");
    const auto arguments = tinyRun({"--set", "name=" + name, "--set", "mle.steps=2",
                                    "--db", db});
    QProcess a, b;
    for (auto* process : {&a, &b}) {
        process->setProcessEnvironment(scratchEnvironment());
        process->start(cpo::test::cliPath(), arguments);
    }
    QVERIFY(a.waitForFinished(180000) && b.waitForFinished(180000));
    QCOMPARE(a.exitCode(), 0);
    QCOMPARE(b.exitCode(), 0);
    const auto dirA = parseSingleJson(a.readAllStandardOutput())["run_dir"].toString();
    const auto dirB = parseSingleJson(b.readAllStandardOutput())["run_dir"].toString();
    QVERIFY2(dirA != dirB, qPrintable(dirA));
    for (const auto& dir : {dirA, dirB}) {
        QVERIFY2(QRegularExpression(name + "-\\d{8}-\\d{6}-\\d+$").match(dir).hasMatch(),
                 qPrintable(dir));
        QVERIFY(QFileInfo::exists(dir + "/mle/step-00000002/model.safetensors"));
    }
    for (const auto& folder : taken)
        QCOMPARE(readFile(folder + "/experiment.json"), QByteArray("another run's"));
}

void TestSafety::checkpointDigestIsRecordedAndChecked()
{
    const QString db = m_dir.filePath("digest.sqlite");
    const QString out = m_dir.filePath("digest-run");
    QCOMPARE(finishedRun(db, out)["status"].toString(), QString("finished"));
    const QString checkpoint = out + "/mle/step-00000008";
    const QString weights = checkpoint + "/model.safetensors";

    // The store records each checkpoint's weights digest, the folder its sha256sum list.
    const auto shown = parseSingleJson(run({"runs", "show", "1", "--db", db, "--json"}).out);
    QCOMPARE(shown["latest_checkpoint"].toObject()["sha256"].toString(), sha256Of(weights));
    const auto list = QString::fromUtf8(readFile(checkpoint + "/checksums.sha256"));
    QVERIFY2(list.contains(sha256Of(weights) + "  model.safetensors\n"), qPrintable(list));

    // One flipped byte in the weights (not in the header, so the file still parses).
    flipByte(weights, QFileInfo(weights).size() - 5);
    verifyOneLineError(run({"logits", "--model", checkpoint, "--tokens", "1,2"}),
                       "model.safetensors: damaged");
}

void TestSafety::resumePassesOverADamagedCheckpoint()
{
    const QString db = m_dir.filePath("fallback.sqlite");
    const QString out = m_dir.filePath("fallback-run");
    QCOMPARE(finishedRun(db, out)["status"].toString(), QString("finished"));
    const auto markStopped = [&] {
        cpo::store::RunStore store(db.toStdString());
        store.updateRunStatus(1, cpo::store::RunStatus::Stopped);
    };

    // The last checkpoint's weights damaged: the run goes on from step 4, and says so.
    markStopped();
    flipByte(out + "/mle/step-00000008/model.safetensors", 200);
    auto resumed = run({"runs", "resume", "1", "--db", db});
    QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
    auto summary = parseSingleJson(resumed.out);
    QCOMPARE(summary["status"].toString(), QString("finished"));
    const auto said = summary["resumed"].toString();
    QVERIFY2(said.contains("from step 4") && said.contains("passed over") &&
                 said.contains("step-00000008/model.safetensors: damaged"),
             qPrintable(said));
    {
        cpo::store::RunStore store(db.toStdString());
        QCOMPARE(store.latestCheckpoint(1)->step, std::int64_t{8});
        QCOMPARE(store.readSeries(1, "mle/loss").steps.size(), std::size_t{8});
    }

    // The last checkpoint's folder moved away: the same.
    markStopped();
    QVERIFY(QDir().rename(out + "/mle/step-00000008", m_dir.filePath("moved-away")));
    resumed = run({"runs", "resume", "1", "--db", db});
    QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
    QVERIFY(parseSingleJson(resumed.out)["resumed"].toString().contains("folder is gone"));

    // --from-step names the checkpoint; one never recorded, or damaged, is refused.
    markStopped();
    resumed = run({"runs", "resume", "1", "--db", db, "--from-step", "mle:4"});
    QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
    QVERIFY(parseSingleJson(resumed.out)["resumed"].toString().contains("from step 4"));
    markStopped();
    verifyOneLineError(run({"runs", "resume", "1", "--db", db, "--from-step", "5"}),
                       "no checkpoint at step 5; its checkpoints: mle:4, mle:8");
    flipByte(out + "/mle/step-00000004/model.safetensors", 200);
    verifyOneLineError(run({"runs", "resume", "1", "--db", db, "--from-step", "4"}),
                       "the checkpoint at step 4 is damaged");
}

void TestSafety::killedCpoRunResumesBitForBit()
{
    // MLE then CPO over 32 examples in batches of 8: CPO's steps 5 to 8 meet the examples
    // (and π_ref values cached) of steps 1 to 4 again, after the kill at step 3.
    const auto arguments = [&](const QString& name, const QStringList& extra) {
        return QStringList{"run", cpo::test::sourceDir() + "/experiments/demo-oracle.json",
                           "--set", "device=cpu",
                           "--set", "dataset.oracle.train_examples=32",
                           "--set", "dataset.oracle.validation_examples=8",
                           "--set", "dataset.oracle.test_examples=8",
                           "--set", "mle.steps=4",
                           "--set", "mle.warmup_steps=1",
                           "--set", "mle.eval_every=0",
                           "--set", "cpo.steps=8",
                           "--set", "cpo.checkpoint_every=3",
                           "--set", "cpo.eval_every=0",
                           "--set", "cpo.samples_every=0",
                           "--db", m_dir.filePath(name + ".sqlite"),
                           "--out", m_dir.filePath(name)} +
               extra;
    };
    const auto straight = run(arguments("straight", {}));
    QVERIFY2(straight.exitCode == 0, straight.err.constData());

    QProcess child;
    child.setProcessEnvironment(scratchEnvironment());
    child.start(cpo::test::cliPath(), arguments("killed", {"--events"}));
    QVERIFY(child.waitForStarted());
    bool inCpo = false;
    bool killed = false;
    QElapsedTimer timer;
    timer.start();
    while (!killed && child.state() == QProcess::Running && timer.elapsed() < 240000) {
        child.waitForReadyRead(500);
        while (!killed && child.canReadLine()) {
            const auto event = parseSingleJson(child.readLine());
            inCpo = inCpo || (event["event"] == "phase_started" && event["phase"] == "cpo");
            if (inCpo && event["event"] == "checkpoint") {
                child.kill(); // SIGKILL, mid-way through step 4
                killed = true;
            }
        }
    }
    QVERIFY2(killed, child.readAllStandardError().constData());
    QVERIFY(child.waitForFinished(60000));
    const auto resumed = run({"runs", "resume", "1", "--db", m_dir.filePath("killed.sqlite")});
    QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
    QVERIFY(parseSingleJson(resumed.out)["resumed"].toString().contains("cpo phase from step 3"));

    cpo::store::RunStore a(m_dir.filePath("straight.sqlite").toStdString());
    cpo::store::RunStore b(m_dir.filePath("killed.sqlite").toStdString());
    const auto keys = a.seriesKeys(1);
    QCOMPARE(b.seriesKeys(1), keys);
    int compared = 0;
    for (const auto& key : keys) {
        if (key.ends_with("tokens_per_s"))
            continue; // a timing
        const auto expected = a.readSeries(1, key);
        const auto actual = b.readSeries(1, key);
        QCOMPARE(actual.steps, expected.steps);
        for (std::size_t i = 0; i < expected.values.size(); ++i)
            QVERIFY2(actual.values[i] == expected.values[i] ||
                         (std::isnan(actual.values[i]) && std::isnan(expected.values[i])),
                     qPrintable(QString("%1 at step %2: %3 resumed, %4 uninterrupted")
                                    .arg(QString::fromStdString(key))
                                    .arg(expected.steps[i])
                                    .arg(actual.values[i], 0, 'g', 17)
                                    .arg(expected.values[i], 0, 'g', 17)));
        compared += key.rfind("cpo/", 0) == 0 ? 1 : 0;
    }
    QVERIFY(compared > 10);
    QCOMPARE(sha256Of(m_dir.filePath("killed/cpo/step-00000008/model.safetensors")),
             sha256Of(m_dir.filePath("straight/cpo/step-00000008/model.safetensors")));
}

QTEST_MAIN(TestSafety)
#include "tst_safety.moc"
