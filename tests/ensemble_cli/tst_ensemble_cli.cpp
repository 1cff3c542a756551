// `cpo ensemble` as a script sees it: the real binary (CPO_CLI) through QProcess, checked
// through `cpo logits --json`, so the saved folder is judged by what the model computes.

#include "cli_runner.h"
#include "test_env.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

namespace {

using cpo::test::runCpo;

void writeFile(const QString& path, const QByteArray& content)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(content);
}

} // namespace

class TestEnsembleCli : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void endpointsReproduceCheckpoints_data();
    void endpointsReproduceCheckpoints();
    void midpointDiffersFromBoth();
    void jsonAndTokenizerFiles();
    void errorsAreOneLineAndNonZero_data();
    void errorsAreOneLineAndNonZero();
    void hasHelp();

private:
    QString initModel(const QString& name, const QString& arch, const QString& config,
                      int seed);
    QByteArray logits(const QString& model);
    QString ensemble(const QString& name, const QString& alpha);

    QTemporaryDir m_dir;
    QString m_mle;
    QString m_cpo;
    QString m_wider;
    QString m_llama;
};

QString TestEnsembleCli::initModel(const QString& name, const QString& arch,
                                   const QString& config, int seed)
{
    const QString out = m_dir.filePath(name);
    const auto result = runCpo({"init-model", "--arch", arch, "--config", m_dir.filePath(config),
                                "--seed", QString::number(seed), "--out", out});
    if (result.exitCode != 0)
        qWarning() << "init-model failed:" << result.err;
    return out;
}

QByteArray TestEnsembleCli::logits(const QString& model)
{
    const auto result = runCpo({"logits", "--model", model, "--tokens", "5,17,3,9", "--json"});
    if (result.exitCode != 0)
        qWarning() << "logits failed:" << result.err;
    return result.out;
}

QString TestEnsembleCli::ensemble(const QString& name, const QString& alpha)
{
    const QString out = m_dir.filePath(name);
    const auto result =
        runCpo({"ensemble", "--mle", m_mle, "--cpo", m_cpo, "--alpha", alpha, "--out", out});
    if (result.exitCode != 0)
        qWarning() << "ensemble failed:" << result.err;
    return out;
}

void TestEnsembleCli::initTestCase()
{
    QVERIFY2(QFileInfo::exists(cpo::test::cliPath()), "CPO_CLI must point at the cpo binary");
    QVERIFY(m_dir.isValid());
    // A small vocabulary keeps `logits --json` short.
    writeFile(m_dir.filePath("gpt2.json"),
              R"({"vocab_size": 64, "n_embd": 16, "n_layer": 2, "n_head": 2,
                  "n_positions": 32})");
    writeFile(m_dir.filePath("gpt2-wide.json"),
              R"({"vocab_size": 64, "n_embd": 32, "n_layer": 2, "n_head": 2,
                  "n_positions": 32})");
    writeFile(m_dir.filePath("llama.json"),
              R"({"vocab_size": 64, "hidden_size": 16, "num_hidden_layers": 2,
                  "num_attention_heads": 2, "num_key_value_heads": 1,
                  "intermediate_size": 32, "max_position_embeddings": 32})");
    m_mle = initModel("mle", "gpt2", "gpt2.json", 1);
    m_cpo = initModel("cpo", "gpt2", "gpt2.json", 2);
    m_wider = initModel("wider", "gpt2", "gpt2-wide.json", 3);
    m_llama = initModel("llama", "llama", "llama.json", 4);
    for (const auto& folder : {m_mle, m_cpo, m_wider, m_llama})
        QVERIFY2(QFileInfo::exists(folder + "/model.safetensors"), qPrintable(folder));
}

void TestEnsembleCli::endpointsReproduceCheckpoints_data()
{
    QTest::addColumn<QString>("alpha");
    QTest::addColumn<bool>("isMle");
    QTest::newRow("alpha 1 is the MLE model") << "1" << true;
    QTest::newRow("alpha 0 is the CPO model") << "0" << false;
}

// Exact endpoints: identical weights give byte-identical `logits --json` output.
void TestEnsembleCli::endpointsReproduceCheckpoints()
{
    QFETCH(QString, alpha);
    QFETCH(bool, isMle);
    const QString out = ensemble("alpha-" + alpha, alpha);
    const QByteArray expected = logits(isMle ? m_mle : m_cpo);
    QVERIFY(!expected.isEmpty());
    QCOMPARE(logits(out), expected);
}

void TestEnsembleCli::midpointDiffersFromBoth()
{
    const QByteArray mixed = logits(ensemble("alpha-0.5", "0.5"));
    QVERIFY(!mixed.isEmpty());
    QVERIFY(mixed != logits(m_mle));
    QVERIFY(mixed != logits(m_cpo));
}

void TestEnsembleCli::jsonAndTokenizerFiles()
{
    writeFile(m_mle + "/vocab.json", R"({"a": 0})");
    writeFile(m_mle + "/merges.txt", "#version: 0.2\n");
    const QString out = m_dir.filePath("with-tokenizer");
    const auto result = runCpo({"ensemble", "--mle", m_mle, "--cpo", m_cpo, "--alpha", "0.3",
                                "--out", out, "--json"});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QJsonParseError error;
    const auto json = QJsonDocument::fromJson(result.out, &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, result.out.constData());
    QCOMPARE(json["out"].toString(), out);
    QCOMPARE(json["alpha"].toDouble(), 0.3);
    QVERIFY(json["params"].toInteger() > 0);
    for (const char* name : {"config.json", "model.safetensors", "vocab.json", "merges.txt"})
        QVERIFY2(QFileInfo::exists(out + "/" + name), name);
    QVERIFY(!QFileInfo::exists(out + "/tokenizer.json")); // absent from --mle: not invented
}

void TestEnsembleCli::errorsAreOneLineAndNonZero_data()
{
    QTest::addColumn<QString>("cpo");
    QTest::addColumn<QString>("alpha");
    QTest::addColumn<QString>("out");
    QTest::addColumn<QStringList>("mentions");
    QTest::newRow("other width") << "wider" << "0.5" << "bad-wider"
                                 << QStringList{"n_embd is 16 in the MLE model but 32"};
    QTest::newRow("other architecture") << "llama" << "0.5" << "bad-llama"
                                        << QStringList{"gpt2 MLE model", "llama CPO model"};
    QTest::newRow("missing folder") << "nonexistent" << "0.5" << "bad-missing"
                                    << QStringList{"nonexistent"};
    QTest::newRow("alpha not a number") << "cpo" << "half" << "bad-alpha"
                                        << QStringList{"--alpha"};
    QTest::newRow("output is an input") << "cpo" << "0.5" << "cpo"
                                        << QStringList{"--out", "input folder"};
}

void TestEnsembleCli::errorsAreOneLineAndNonZero()
{
    QFETCH(QString, cpo);
    QFETCH(QString, alpha);
    QFETCH(QString, out);
    QFETCH(QStringList, mentions);
    const auto result = runCpo({"ensemble", "--mle", m_mle, "--cpo", m_dir.filePath(cpo),
                                "--alpha", alpha, "--out", m_dir.filePath(out)});
    QVERIFY(result.exitCode != 0);
    QVERIFY(result.out.isEmpty());
    const QString err = QString::fromUtf8(result.err).trimmed();
    QVERIFY2(!err.contains('\n'), qPrintable("expected one line, got: " + err));
    for (const auto& mention : mentions)
        QVERIFY2(err.contains(mention), qPrintable(err));
    if (out != "cpo")
        QVERIFY(!QFileInfo::exists(m_dir.filePath(out))); // nothing half-written
}

void TestEnsembleCli::hasHelp()
{
    const auto result = runCpo({"ensemble", "--help"});
    QCOMPARE(result.exitCode, 0);
    for (const char* flag : {"--mle", "--cpo", "--alpha", "--out", "--json"})
        QVERIFY2(result.out.contains(flag), flag);
}

QTEST_GUILESS_MAIN(TestEnsembleCli)
#include "tst_ensemble_cli.moc"
