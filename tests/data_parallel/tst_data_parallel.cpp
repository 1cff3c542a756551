// Data-parallel training through the real binary: two ranks with c10d Gloo over 127.0.0.1
// against one process on the same global batch, and a rank killed mid-run.

#include "cli_runner.h"

#include "model/hf_folder.h"
#include "store/run_store.h"

#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QDirIterator>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFileInfo>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

using cpo::test::runCpo;

namespace {

// The oracle demo shrunk to seconds. Odd batch sizes: the two ranks' slices differ in size
// (4 + 3 and 3 + 2), which the exact normalisation must not notice. The sampler mixes TN and
// MN, which draw per example from the seed. Adam's eps is raised from 1e-8 to 1e-6: Adam
// divides each gradient element by its own magnitude, so an element whose gradient is ~1e-8
// turns the rounding of a sum taken in another order (two slices, not one batch) into a
// weight difference of ~3e-5 after one step (measured); with eps 1e-6 it is ~1e-6, while a
// wrong normalisation or reduction moves weights by ~lr (1e-3).
QStringList tinyRun(const QStringList& extra)
{
    QStringList arguments{"run", cpo::test::sourceDir() + "/experiments/demo-oracle.json",
                          "--set", "device=cpu",
                          "--set", "threads=1",
                          "--set", "dataset.oracle.train_examples=48",
                          "--set", "dataset.oracle.validation_examples=8",
                          "--set", "eval=null",
                          "--set", "mle.steps=4",
                          "--set", "mle.batch_size=7",
                          "--set", "mle.warmup_steps=1",
                          "--set", "mle.eval_every=0",
                          "--set", "mle.checkpoint_every=2",
                          "--set", "mle.eps=1e-6",
                          "--set", "cpo.eps=1e-6",
                          "--set", "cpo.steps=3",
                          "--set", "cpo.batch_size=5",
                          "--set", "cpo.lr=1e-3",
                          "--set", "cpo.sampler=mix",
                          "--set", R"(cpo.mix_weights={"an":0,"bn":0,"mn":1,"tn":1})",
                          "--set", "cpo.samples_every=2",
                          "--set", "cpo.eval_every=0",
                          "--set", "cpo.checkpoint_every=0"};
    return arguments + extra;
}

std::map<std::string, torch::Tensor> weightsOf(const QString& folder)
{
    std::map<std::string, torch::Tensor> weights;
    const auto model = cpo::model::loadHfModel(folder.toStdString(), torch::kCPU);
    for (const auto& item : model->named_parameters())
        weights[item.key()] = item.value().detach().clone();
    return weights;
}

// The largest absolute difference between two checkpoints' weights.
double largestDifference(const QString& a, const QString& b)
{
    const auto left = weightsOf(a);
    const auto right = weightsOf(b);
    if (left.size() != right.size())
        return 1e9;
    double largest = 0.0;
    for (const auto& [name, tensor] : left)
        largest = std::max(largest, (tensor - right.at(name)).abs().max().item<double>());
    return largest;
}

QStringList checkpointsUnder(const QString& runDir)
{
    QStringList found;
    for (const auto* phase : {"mle", "cpo"})
        for (const auto& entry : QDir(runDir + "/" + phase).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
            found << QString(phase) + "/" + entry;
    return found;
}

// Every file under `folder` with its size and modification time: equal lists mean nothing
// there was written.
QStringList filesUnder(const QString& folder)
{
    QStringList found;
    QDirIterator it(folder, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QFileInfo info(it.next());
        found << QString("%1 %2 %3")
                     .arg(info.filePath())
                     .arg(info.size())
                     .arg(info.lastModified().toMSecsSinceEpoch());
    }
    found.sort();
    return found;
}

int freePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

} // namespace

class TestDataParallel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void twoRanksTrainAsOneProcess();
    void deadRankStopsTheOtherAndTheRunResumes();
    void resumingACompleteRunTrainsNothing();

private:
    QTemporaryDir m_dir;
};

void TestDataParallel::twoRanksTrainAsOneProcess()
{
    const QString single = m_dir.filePath("single");
    const QString parallel = m_dir.filePath("parallel");
    const auto one = runCpo(tinyRun({"--out", single, "--db", m_dir.filePath("single.sqlite")}));
    QVERIFY2(one.exitCode == 0, one.err.right(2000).constData());

    // The ranks' scratch folders go to TMPDIR: it must be empty again afterwards.
    const QString scratch = m_dir.filePath("tmp");
    QVERIFY(QDir().mkpath(scratch));
    auto environment = QProcessEnvironment::systemEnvironment();
    environment.insert("TMPDIR", scratch);
    const auto two = runCpo(tinyRun({"--out", parallel, "--db", m_dir.filePath("parallel.sqlite"),
                                     "--nproc", "2"}),
                            {}, environment);
    QVERIFY2(two.exitCode == 0, two.err.right(3000).constData());
    QCOMPARE(two.out.count('\n'), 1); // rank 0's summary line only
    QVERIFY(QDir(scratch).isEmpty());

    // The same updates: after 4 MLE steps, and after 3 CPO steps on top.
    QCOMPARE(checkpointsUnder(parallel), checkpointsUnder(single));
    QCOMPARE(checkpointsUnder(single),
             QStringList({"mle/step-00000002", "mle/step-00000004", "cpo/step-00000003"}));
    for (const auto& checkpoint : {"mle/step-00000004", "cpo/step-00000003"}) {
        const double difference =
            largestDifference(single + "/" + checkpoint, parallel + "/" + checkpoint);
        qInfo("%s: largest weight difference %.3g", checkpoint, difference);
        QVERIFY2(difference < 1e-5, checkpoint);
    }

    // One run in the store, with the reduced metrics of the whole batch. The CPO metrics are
    // log-prob sums over ~24 tokens times β = 5, of weights equal within ~2e-6: they agree
    // within 1e-4 (measured ~3e-5), where one rank's slice alone would be far off.
    cpo::store::RunStore oneStore(m_dir.filePath("single.sqlite").toStdString());
    cpo::store::RunStore twoStore(m_dir.filePath("parallel.sqlite").toStdString());
    QCOMPARE(twoStore.listRuns().size(), std::size_t{1});
    for (const auto* key : {"mle/loss", "mle/grad_norm", "cpo/loss", "cpo/accuracy", "cpo/reward_y1"}) {
        const auto a = oneStore.readSeries(1, key);
        const auto b = twoStore.readSeries(1, key);
        QVERIFY2(!a.values.empty(), key);
        QCOMPARE(b.steps, a.steps);
        for (std::size_t i = 0; i < a.values.size(); ++i)
            QVERIFY2(std::abs(a.values[i] - b.values[i]) < 1e-4 * std::max(1.0, std::abs(a.values[i])),
                     key);
    }
}

void TestDataParallel::deadRankStopsTheOtherAndTheRunResumes()
{
    const QString db = m_dir.filePath("dead.sqlite");
    const QString out = m_dir.filePath("dead-run");
    const QString port = QString::number(freePort());
    const QStringList arguments =
        tinyRun({"--out", out, "--db", db, "--events", "--dist-timeout", "5", "--set",
                 "mle.steps=300", "--set", "mle.checkpoint_every=10", "--set", "cpo=null"});
    QProcess ranks[2];
    for (int rank = 0; rank < 2; ++rank) {
        auto environment = QProcessEnvironment::systemEnvironment();
        environment.insert("RANK", QString::number(rank));
        environment.insert("LOCAL_RANK", QString::number(rank));
        environment.insert("WORLD_SIZE", "2");
        environment.insert("MASTER_ADDR", "127.0.0.1");
        environment.insert("MASTER_PORT", port);
        ranks[rank].setProcessEnvironment(environment);
        ranks[rank].start(cpo::test::cliPath(), arguments);
        QVERIFY(ranks[rank].waitForStarted());
    }
    // kill -9 rank 1 once rank 0 has written its first checkpoint.
    bool killed = false;
    while (!killed && ranks[0].state() == QProcess::Running) {
        ranks[0].waitForReadyRead(500);
        while (!killed && ranks[0].canReadLine())
            if (cpo::test::parseSingleJson(ranks[0].readLine())["event"] == "checkpoint")
                killed = ::kill(static_cast<pid_t>(ranks[1].processId()), SIGKILL) == 0;
    }
    QVERIFY2(killed, ranks[0].readAllStandardError().right(2000).constData());
    QElapsedTimer clock;
    clock.start();
    QVERIFY(ranks[0].waitForFinished(60000));
    ranks[1].waitForFinished(10000);
    qInfo("rank 0 stopped %.1f s after rank 1 was killed", clock.elapsed() / 1000.0);
    QVERIFY(clock.elapsed() < 5000 + 15000); // the timeout, and time to record the failure
    QCOMPARE(ranks[0].exitCode(), 1);
    const QByteArray error = ranks[0].readAllStandardError();
    QVERIFY2(error.contains("another rank stopped"), error.right(2000).constData());

    const auto resumed = runCpo({"runs", "resume", "1", "--db", db, "--nproc", "2"});
    QVERIFY2(resumed.exitCode == 0, resumed.err.right(3000).constData());
    QCOMPARE(cpo::test::parseSingleJson(resumed.out)["status"].toString(), "finished");
    QVERIFY(QDir(out + "/mle/step-00000300").exists());
}

void TestDataParallel::resumingACompleteRunTrainsNothing()
{
    using cpo::store::RunStatus;
    const QString db = m_dir.filePath("complete.sqlite");
    const QString out = m_dir.filePath("complete-run");
    const auto first = runCpo(tinyRun({"--out", out, "--db", db, "--set", "cpo=null"}));
    QVERIFY2(first.exitCode == 0, first.err.right(2000).constData());
    const QStringList files = filesUnder(out);
    QVERIFY(!files.isEmpty());
    const QString scratch = m_dir.filePath("complete-tmp");
    QVERIFY(QDir().mkpath(scratch));
    auto environment = QProcessEnvironment::systemEnvironment();
    environment.insert("TMPDIR", scratch);
    const QStringList resume{"runs", "resume", "1", "--db", db, "--nproc", "2"};

    // A finished run: rank 0's error as without --nproc, exit status 1, at once (not after the
    // 60 s --dist-timeout), and rank 1 says it trained nothing instead of advising a resume.
    QElapsedTimer clock;
    clock.start();
    const auto finished = runCpo(resume, {}, environment);
    QCOMPARE(finished.exitCode, 1);
    QVERIFY(clock.elapsed() < 30000);
    QVERIFY(finished.out.isEmpty());
    QVERIFY2(finished.err.contains("run 1 (demo-oracle, finished) has nothing left to run"),
             finished.err.right(3000).constData());
    QVERIFY2(finished.err.contains("rank 1 of 2: rank 0 stopped before it handed out a run"),
             finished.err.right(3000).constData());
    QVERIFY2(!finished.err.contains("cpo runs resume ID"), finished.err.right(3000).constData());
    QCOMPARE(filesUnder(out), files);
    QVERIFY(QDir(scratch).isEmpty());
    QCOMPARE(cpo::store::RunStore(db.toStdString()).getRun(1)->status, RunStatus::Finished);

    // A run that failed after its last checkpoint: marked finished, one summary line, exit 0,
    // and still nothing trained or written in its folder.
    cpo::store::RunStore(db.toStdString())
        .updateRunStatus(1, RunStatus::Failed, "died after its last checkpoint");
    const auto complete = runCpo(resume, {}, environment);
    QVERIFY2(complete.exitCode == 0, complete.err.right(3000).constData());
    QCOMPARE(complete.out.count('\n'), 1);
    QCOMPARE(cpo::test::parseSingleJson(complete.out)["status"].toString(), "finished");
    QCOMPARE(filesUnder(out), files);
    QVERIFY(QDir(scratch).isEmpty());
    QCOMPARE(cpo::store::RunStore(db.toStdString()).getRun(1)->status, RunStatus::Finished);
}

QTEST_GUILESS_MAIN(TestDataParallel)
#include "tst_data_parallel.moc"
