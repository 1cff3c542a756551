// The `cpo` command line as a script sees it: JSON shapes on stdout, exit codes, one-line
// errors on stderr. Runs the real binary (CPO_CLI) through QProcess.

#include "cli_runner.h"
#include "test_env.h"
#include "test_files.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QMap>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

namespace {

using cpo::test::parseSingleJson;
using cpo::test::runCpo;
using cpo::test::writeFile;

} // namespace

class TestCli : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void initModelWritesHfFolder_data();
    void initModelWritesHfFolder();
    void logitsJsonHasOneRowPerToken();
    void tokenizeJsonGivesIdsPerLine();
    void generateJsonShape();
    void sentencePieceWorksBesideLibTorch();
    void benchJsonHasFigures();
    void runTrainsAndRecordsTheDemo();
    void runRejectsABadExperiment();
    void errorsAreOneLineAndNonZero_data();
    void errorsAreOneLineAndNonZero();
    void deviceIsCheckedBeforeAnyWork_data();
    void deviceIsCheckedBeforeAnyWork();
    void everySubcommandHasHelp_data();
    void everySubcommandHasHelp();

private:
    QTemporaryDir m_dir;
    QString m_gpt2;
};

void TestCli::initTestCase()
{
    QVERIFY2(QFileInfo::exists(cpo::test::cliPath()), "CPO_CLI must point at the cpo binary");
    QVERIFY(m_dir.isValid());
    writeFile(m_dir.filePath("gpt2.json"),
              R"({"vocab_size": 50257, "n_embd": 32, "n_layer": 2, "n_head": 4,
                  "n_positions": 64, "bos_token_id": 50256, "eos_token_id": 50256})");
    writeFile(m_dir.filePath("llama.json"),
              R"({"vocab_size": 300, "hidden_size": 32, "num_hidden_layers": 2,
                  "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 64,
                  "max_position_embeddings": 128})");
    m_gpt2 = m_dir.filePath("gpt2-model");
    const auto result = runCpo({"init-model", "--arch", "gpt2", "--config",
                                m_dir.filePath("gpt2.json"), "--seed", "3", "--out", m_gpt2});
    QVERIFY2(result.exitCode == 0, result.err.constData());
}

void TestCli::initModelWritesHfFolder_data()
{
    QTest::addColumn<QString>("arch");
    QTest::newRow("gpt2") << "gpt2";
    QTest::newRow("llama") << "llama";
}

void TestCli::initModelWritesHfFolder()
{
    QFETCH(QString, arch);
    const QString out = m_dir.filePath("init-" + arch);
    const auto result = runCpo({"init-model", "--arch", arch, "--config",
                                m_dir.filePath(arch + ".json"), "--seed", "1", "--out", out,
                                "--json"});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto json = parseSingleJson(result.out);
    QCOMPARE(json["arch"].toString(), arch);
    QVERIFY(json["params"].toInteger() > 0);
    QVERIFY(QFileInfo::exists(out + "/config.json"));
    QVERIFY(QFileInfo::exists(out + "/model.safetensors"));
}

void TestCli::logitsJsonHasOneRowPerToken()
{
    const auto result = runCpo({"logits", "--model", m_gpt2, "--tokens", "5,17,3", "--json"});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto rows = parseSingleJson(result.out)["logits"].toArray();
    QCOMPARE(rows.size(), 3);
    for (const auto& row : rows)
        QCOMPARE(row.toArray().size(), 50257);
    // Same seed, same weights: a second folder from the same seed gives identical logits.
    const QString again = m_dir.filePath("gpt2-again");
    QCOMPARE(runCpo({"init-model", "--arch", "gpt2", "--config", m_dir.filePath("gpt2.json"),
                     "--seed", "3", "--out", again})
                 .exitCode,
             0);
    const auto second = runCpo({"logits", "--model", again, "--tokens", "5,17,3", "--json"});
    QCOMPARE(second.out, result.out);
}

void TestCli::tokenizeJsonGivesIdsPerLine()
{
    const QString data = cpo::test::sharedDataDir();
    if (data.isEmpty())
        QSKIP("../shared/data is absent (set CPO_TEST_DATA_DIR): no GPT-2 vocabulary to test");
    const auto result = runCpo({"tokenize", "--tokenizer", data + "/gpt2-bpe", "--json"},
                               "Hello world\n the\n<|endoftext|>\n");
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto ids = parseSingleJson(result.out)["ids"].toArray();
    QCOMPARE(ids.size(), 3);
    QCOMPARE(ids[0].toArray(), QJsonArray({15496, 995}));
    QCOMPARE(ids[1].toArray(), QJsonArray({262}));
    QCOMPARE(ids[2].toArray(), QJsonArray({27, 91, 437, 1659, 5239, 91, 29}));
    const auto special = runCpo(
        {"tokenize", "--tokenizer", data + "/gpt2-bpe", "--special", "--json"},
        "<|endoftext|>\n");
    QCOMPARE(parseSingleJson(special.out)["ids"].toArray()[0].toArray(), QJsonArray({50256}));
}

void TestCli::generateJsonShape()
{
    const QString data = cpo::test::sharedDataDir();
    if (data.isEmpty())
        QSKIP("../shared/data is absent (set CPO_TEST_DATA_DIR): no GPT-2 vocabulary to test");
    const QStringList arguments{"generate", "--model", m_gpt2, "--tokenizer",
                                data + "/gpt2-bpe", "--prompt", "Hello world", "--max-new",
                                "12", "--seed", "5", "--json"};
    const auto result = runCpo(arguments);
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto json = parseSingleJson(result.out);
    const auto tokens = json["tokens"].toArray();
    QVERIFY(!tokens.isEmpty() && tokens.size() <= 12);
    QCOMPARE(json["log_probs"].toArray().size(), tokens.size());
    QCOMPARE(json["prompt_tokens"].toArray(), QJsonArray({15496, 995}));
    for (const auto& logProb : json["log_probs"].toArray())
        QVERIFY(logProb.toDouble() <= 0.0);
    QCOMPARE(runCpo(arguments).out, result.out); // same seed, same continuation
}

void TestCli::sentencePieceWorksBesideLibTorch()
{
    // libsentencepiece's private protobuf once crashed any process that also loads LibTorch:
    // train and use a SentencePiece model inside the `cpo` binary.
    QByteArray corpus;
    for (int i = 0; i < 400; ++i)
        corpus += "the quick brown fox " + QByteArray::number(i % 37) +
                  " jumps over the lazy dog and runs away\n";
    writeFile(m_dir.filePath("corpus.txt"), corpus);
    const auto trained = runCpo({"train-tokenizer", "--corpus", m_dir.filePath("corpus.txt"),
                                 "--out", m_dir.filePath("spm"), "--vocab-size", "300",
                                 "--json"});
    QVERIFY2(trained.exitCode == 0, trained.err.constData());
    QVERIFY(parseSingleJson(trained.out)["vocab_size"].toInt() > 259);
    const auto encoded = runCpo({"tokenize", "--tokenizer", m_dir.filePath("spm.model"),
                                 "--json"},
                                "the lazy fox\n");
    QVERIFY2(encoded.exitCode == 0, encoded.err.constData());
    QVERIFY(!parseSingleJson(encoded.out)["ids"].toArray()[0].toArray().isEmpty());
}

void TestCli::benchJsonHasFigures()
{
    // The figures MFU needs (the full bench takes minutes: `cpo bench` measures it all).
    const auto result = runCpo({"bench", "--steps", "1", "--only", "matmul,mle", "--json"});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto json = parseSingleJson(result.out);
    for (const char* key : {"mle_tokens_per_s", "matmul_gflops", "mfu", "params", "threads"})
        QVERIFY2(json[key].toDouble() > 0, key);
    QVERIFY(!json["blas"].toString().isEmpty());
    QCOMPARE(json["shape"].toString(), QString("small"));
}

void TestCli::runTrainsAndRecordsTheDemo()
{
    // The shipped demo, shrunk to seconds: the events stream, checkpoints, and the summary.
    const QString out = m_dir.filePath("run-demo");
    const QString db = m_dir.filePath("runs.sqlite");
    const auto result = runCpo(
        {"run", cpo::test::sourceDir() + "/experiments/demo-oracle.json", "--out", out, "--db",
         db, "--events", "--set", "cpo.steps=6", "--set", "cpo.samples_every=3", "--set",
         "cpo.checkpoint_every=3", "--set", "device=cpu", "--set",
         "dataset.oracle.train_examples=256", "--set", "dataset.oracle.validation_examples=64",
         "--set", "mle.steps=20", "--set", "mle.warmup_steps=2", "--set", "mle.eval_every=10",
         "--set", "mle.checkpoint_every=10", "--set", "eval.every=10", "--set",
         "eval.examples=32"});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto lines = result.out.trimmed().split('\n');
    QMap<QString, int> counts;
    QList<QJsonObject> evaluations;
    for (const auto& line : lines.mid(0, lines.size() - 1)) {
        const auto event = parseSingleJson(line);
        ++counts[event["event"].toString()];
        if (event["event"].toString() == "evaluation")
            evaluations << event;
    }
    QCOMPARE(counts["step"], 20);
    QCOMPARE(counts["cpo_step"], 6);
    QCOMPARE(counts["sample_set"], 2);
    QCOMPARE(counts["phase_started"], 2);
    QCOMPARE(counts["checkpoint"], 4);
    QVERIFY(counts["validation"] >= 2);
    const auto summary = parseSingleJson(lines.last());
    QCOMPARE(summary["status"].toString(), QString("finished"));
    QVERIFY(summary["run_id"].toInteger() > 0);
    const auto mle = summary["phases"].toObject()["mle"].toObject();
    QCOMPARE(mle["steps"].toInt(), 20);
    QVERIFY(mle["validation_loss"].toDouble() > 0);
    QVERIFY(QFileInfo::exists(out + "/experiment.json"));
    QVERIFY(QFileInfo::exists(out + "/mle/step-00000020/model.safetensors"));
    QVERIFY(QFileInfo::exists(out + "/mle/step-00000020/training_state.bin"));
    QCOMPARE(summary["phases"].toObject()["cpo"].toObject()["steps"].toInt(), 6);
    QVERIFY(QFileInfo::exists(out + "/cpo/step-00000006/model.safetensors"));
    QVERIFY(QFileInfo::exists(db));

    // The eval block: MLE judged at step 10 (its last step, 20, is the final evaluation's),
    // none inside 6 CPO steps; then MLE, CPO and the demo's α sweep on the same 32 prompts,
    // each stored (an evaluation row id) and in the summary line.
    QCOMPARE(evaluations.size(), 2);
    QCOMPARE(evaluations[0]["phase"].toString(), QString("mle"));
    QCOMPARE(evaluations[0]["step"].toInt(), 10);
    QCOMPARE(evaluations[1]["phase"].toString(), QString("final"));
    QVERIFY(evaluations[0]["evaluation_id"].toInteger() > 0);
    QVERIFY(evaluations[1]["evaluation_id"].toInteger() >
            evaluations[0]["evaluation_id"].toInteger());
    const auto evaluation = summary["evaluation"].toObject();
    QCOMPARE(evaluation.keys(), (QStringList{"alpha=0.25", "alpha=0.5", "alpha=0.75", "cpo",
                                             "mle"}));
    for (const auto& model : evaluation) {
        const auto rate = model.toObject();
        QCOMPARE(rate["n"].toInt(), 32);
        QCOMPARE(rate["judge"].toString(), QString("oracle"));
        QVERIFY(rate["ci_low"].toDouble() <= rate["win_rate"].toDouble());
        QVERIFY(rate["win_rate"].toDouble() <= rate["ci_high"].toDouble());
        QVERIFY(rate["ci_high"].toDouble() - rate["ci_low"].toDouble() > 0.05);
    }
}

void TestCli::runRejectsABadExperiment()
{
    const auto result = runCpo({"run", cpo::test::sourceDir() + "/experiments/demo-oracle.json",
                                "--set", "mle.stepz=5", "--db", m_dir.filePath("bad.sqlite")});
    QVERIFY(result.exitCode != 0);
    const QString err = QString::fromUtf8(result.err);
    QVERIFY2(err.contains("mle.stepz") && err.contains("steps"), qPrintable(err));
    QVERIFY(!QFileInfo::exists(m_dir.filePath("bad.sqlite")));
}

void TestCli::errorsAreOneLineAndNonZero_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("missing model folder")
        << QStringList{"logits", "--model", "/nonexistent/model", "--tokens", "1"}
        << "/nonexistent/model";
    QTest::newRow("bad token list")
        << QStringList{"logits", "--model", "/tmp", "--tokens", "1,x"} << "--tokens";
    QTest::newRow("unknown flag")
        << QStringList{"logits", "--model", "x", "--tokens", "1", "--modle", "x"} << "--modle";
    QTest::newRow("unknown subcommand") << QStringList{"trian"} << "trian";
    QTest::newRow("missing tokenizer")
        << QStringList{"tokenize", "--tokenizer", "/nonexistent/tok"} << "/nonexistent/tok";
    QTest::newRow("bad arch") << QStringList{"init-model", "--arch", "bert", "--config", "x",
                                             "--out", "y"}
                              << "bert";
    QTest::newRow("cuda without cuda")
        << QStringList{"bench", "--device", "cuda:7"} << "cuda:7";
    QTest::newRow("not a device")
        << QStringList{"logits", "--model", "x", "--tokens", "1", "--device", "gpu"}
        << "--device 'gpu': is not one of: cpu, cuda, cuda:N, auto";
}

void TestCli::errorsAreOneLineAndNonZero()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, mentions);
    const auto result = runCpo(arguments);
    QVERIFY(result.exitCode != 0);
    QVERIFY(result.out.isEmpty());
    const QString err = QString::fromUtf8(result.err).trimmed();
    const auto lines = err.split('\n');
    QVERIFY2(lines.size() == 1, qPrintable("expected one line, got: " + err));
    QVERIFY2(err.contains(mentions), qPrintable(err));
}

void TestCli::deviceIsCheckedBeforeAnyWork_data()
{
    // Every command that runs a model, each with inputs that do not exist: the device error
    // must come first (nothing loaded, no store made), naming where the device came from.
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("mentions");
    const QString demo = cpo::test::sourceDir() + "/experiments/demo-oracle.json";
    const QString db = m_dir.filePath("device-check.sqlite");
    QTest::newRow("run --device") << QStringList{"run", demo, "--db", db, "--device", "cuda"}
                                  << "--device 'cuda'";
    QTest::newRow("run, experiment field")
        << QStringList{"run", demo, "--db", db, "--set", "device=cuda:1"}
        << "demo-oracle.json: field 'device' 'cuda:1'";
    QTest::newRow("runs resume")
        << QStringList{"runs", "resume", "1", "--db", db, "--device", "cuda"} << "--device 'cuda'";
    QTest::newRow("runs queue")
        << QStringList{"runs", "queue", "/nonexistent/queue.json", "--db", db, "--device", "cuda"}
        << "--device 'cuda'";
    QTest::newRow("logits") << QStringList{"logits", "--model", "/nonexistent/model", "--tokens",
                                           "1", "--device", "cuda"}
                            << "--device 'cuda'";
    QTest::newRow("generate") << QStringList{"generate", "--model", "/nonexistent/model",
                                             "--tokenizer", "/nonexistent/tok", "--prompt", "x",
                                             "--device", "cuda:0"}
                              << "--device 'cuda:0'";
    QTest::newRow("eval") << QStringList{"eval", "1", "--judge",
                                         cpo::test::sourceDir() +
                                             "/experiments/judges/oracle.json",
                                         "--db", db, "--device", "cuda"}
                          << "--device 'cuda'";
    QTest::newRow("ensemble sweep")
        << QStringList{"ensemble", "sweep", "--run-dir", "/nonexistent/run", "--device", "cuda"}
        << "--device 'cuda'";
    QTest::newRow("bench") << QStringList{"bench", "--device", "cuda"} << "--device 'cuda'";
}

void TestCli::deviceIsCheckedBeforeAnyWork()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, mentions);
    // No GPU visible, even on a CUDA machine: the check under test is the "none here" one.
    auto environment = QProcessEnvironment::systemEnvironment();
    environment.insert("CUDA_VISIBLE_DEVICES", "");
    const auto result = runCpo(arguments, {}, environment);
    QVERIFY(result.exitCode != 0);
    QVERIFY(result.out.isEmpty());
    const QString err = QString::fromUtf8(result.err).trimmed();
    QVERIFY2(!err.contains('\n'), qPrintable("expected one line, got: " + err));
    QVERIFY2(err.contains(mentions), qPrintable(err));
    QVERIFY2(err.contains("CUDA is not available") && err.contains("use cpu or auto"),
             qPrintable(err));
    QVERIFY2(!err.contains("LibTorch error"), qPrintable(err));
    QVERIFY(!QFileInfo::exists(m_dir.filePath("device-check.sqlite")));
}

void TestCli::everySubcommandHasHelp_data()
{
    QTest::addColumn<QString>("command");
    for (const char* command :
         {"run", "init-model", "logits", "tokenize", "train-tokenizer", "generate", "bench"})
        QTest::newRow(command) << command;
}

void TestCli::everySubcommandHasHelp()
{
    QFETCH(QString, command);
    const auto result = runCpo({command, "--help"});
    QCOMPARE(result.exitCode, 0);
    QVERIFY(result.out.contains("--json"));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
