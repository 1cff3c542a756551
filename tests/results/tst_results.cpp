// experiments/RESULTS.md's pipeline on a tiny grid: scripts/results.py writes the queue (MLE
// once per seed, CPO runs starting from their seed's MLE checkpoint), the real `cpo runs queue`
// runs it, and scripts/results.py turns the store into the table.

#include "cli_runner.h"
#include "test_env.h"
#include "test_files.h"

#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

namespace {

struct ScriptResult {
    int exitCode = -1;
    QString out;
    QString err;
};

ScriptResult runResultsScript(const QString& python, const QStringList& arguments)
{
    QProcess process;
    process.start(python, QStringList{cpo::test::sourceDir() + "/scripts/results.py"} +
                              arguments);
    process.waitForFinished(60000);
    return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

} // namespace

class TestResults : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void tinyGridBecomesTheTable();
};

void TestResults::tinyGridBecomesTheTable()
{
    const QString python = QStandardPaths::findExecutable("python3");
    if (python.isEmpty())
        QSKIP("python3 is not installed (scripts/install-deps.sh installs it)");
    QTemporaryDir dir;
    const QString out = dir.filePath("grid");
    // Two seeds, BN and TN without ranking at β 5, both decodings: 4 MLE runs and 8 CPO runs.
    const auto queue = runResultsScript(
        python,
        {"queue", "--seeds", "1,2", "--out", out, "--mle-steps", "4", "--examples", "8",
         "--name", "tiny-grid", "--samplers", "bn,tn", "--rankings", "false", "--betas", "5",
         "--experiment", cpo::test::sourceDir() + "/experiments/demo-oracle.json",
         "--set", "device=\"cpu\"", "--set", "dataset.oracle.train_examples=64",
         "--set", "dataset.oracle.validation_examples=16",
         "--set", "dataset.oracle.test_examples=8", "--set", "mle.warmup_steps=1",
         "--set", "mle.eval_every=0", "--set", "mle.checkpoint_every=0",
         "--set", "cpo.steps=2", "--set", "cpo.samples_every=0",
         "--set", "cpo.checkpoint_every=0"});
    QVERIFY2(queue.exitCode == 0, qPrintable(queue.err));
    const QString queueFile = dir.filePath("queue.json");
    cpo::test::writeFile(queueFile, queue.out.toUtf8());

    const QString db = dir.filePath("runs.sqlite");
    const auto ran = cpo::test::runCpo({"runs", "queue", queueFile, "--out", out, "--db", db,
                                        "--log-level", "warn"});
    QVERIFY2(ran.exitCode == 0, ran.err.constData());

    const auto table = runResultsScript(python, {"table", "--db", db, "--name", "tiny-grid"});
    QVERIFY2(table.exitCode == 0, qPrintable(table.err));
    QVERIFY2(table.out.contains("Judge: oracle"), qPrintable(table.out));
    // One section per decoding of the evaluation (greedy, then sampled at temperature 1), each
    // with its own table, its comparison with MLE and its α curve.
    const auto greedy = table.out.indexOf("## Greedy decoding");
    const auto sampled = table.out.indexOf("## Sampled decoding");
    QVERIFY2(greedy > 0 && sampled > greedy, qPrintable(table.out));
    for (const auto& section : {table.out.mid(greedy, sampled - greedy), table.out.mid(sampled)}) {
        const auto lines = section.split('\n');
        const auto row = [&](const QString& start) {
            for (const auto& line : lines)
                if (line.startsWith(start))
                    return line.split(" | ");
            return QStringList();
        };
        // model | ranking | β | pooled rate [CI] | per seed | seeds | n | teacher NLL | held-out
        for (const QString start : {"| MLE | — | — |", "| BN | no | 5 |", "| TN | no | 5 |"}) {
            const auto cells = row(start);
            QVERIFY2(cells.size() == 9, qPrintable(start + "\n" + section));
            QCOMPARE(cells[5], QString("2"));  // seeds pooled
            QCOMPARE(cells[6], QString("16")); // 2 seeds × 8 prompts
            QVERIFY2(cells[3].contains('[') && cells[3].contains(']'), qPrintable(cells[3]));
            QVERIFY(cells[7].toDouble() > 0); // the teacher's NLL of the samples
            QVERIFY(cells[8].split(' ').first().toDouble() > 0);
        }
        QVERIFY2(section.contains("Against MLE's pooled interval: above it"), qPrintable(section));
        // The α curve of the better sampler: α 0 (CPO) to 1 (MLE), the sweep's five between.
        const auto curve = section.indexOf("### α curve");
        QVERIFY2(curve > 0, qPrintable(section));
        for (const char* alpha : {"| 0.0 |", "| 0.1 |", "| 0.5 |", "| 0.9 |", "| 1.0 |"})
            QVERIFY2(section.indexOf(alpha, curve) > 0, alpha);
    }
}

QTEST_GUILESS_MAIN(TestResults)
#include "tst_results.moc"
