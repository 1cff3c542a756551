// `cpo ensemble` as a script sees it: the real binary (CPO_CLI) through QProcess, checked
// through `cpo logits --json`, so the saved folder is judged by what the model computes.

#include "cli_runner.h"
#include "test_env.h"
#include "test_files.h"

#include "engine/alpha_oracle_values.h"
#include "store/run_store.h"

#include <QtCore/QDir>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>

namespace {

using cpo::test::runCpo;
using cpo::test::writeFile;

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

    // --- `cpo ensemble sweep` on a tiny finished run ---------------------------------------
    void sweepPrintsOnePointPerAlpha();
    void sweepTable();
    void sweepErrorsAreOneLine_data();
    void sweepErrorsAreOneLine();
    void sweepHasHelp();

    // --- judged: `cpo eval` and `cpo ensemble sweep --judge` -------------------------------
    void evalJudgesTheRunsModels();
    void sweepWithJudgeMarksTheBestAlpha();

private:
    const QString& tinyRun();
    QString initModel(const QString& name, const QString& arch, const QString& config,
                      int seed);
    QByteArray logits(const QString& model);
    QString ensemble(const QString& name, const QString& alpha);

    QTemporaryDir m_dir;
    QString m_mle;
    QString m_cpo;
    QString m_wider;
    QString m_llama;
    QString m_run;              // made by the first sweep test that needs it
    double m_runValidationLoss = 0.0; // the run's own final MLE validation loss
    qint64 m_runId = 0;
    double m_evalMleWinRate = -1.0; // what `cpo eval` gave the MLE model
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

// The shipped oracle demo shrunk to seconds on 2 cores: a d16 student, 12 MLE steps and 3 CPO
// steps on 128 examples, validated on 32.
const QString& TestEnsembleCli::tinyRun()
{
    if (!m_run.isEmpty())
        return m_run;
    const QString out = m_dir.filePath("tiny-run");
    const auto result = runCpo(
        {"run", cpo::test::sourceDir() + "/experiments/demo-oracle.json", "--out", out, "--db",
         m_dir.filePath("runs.sqlite"), "--log-level", "warn", "--set", "device=cpu",
         "--set", "model.init.hidden_size=16", "--set", "dataset.oracle.train_examples=128",
         "--set", "dataset.oracle.validation_examples=32", "--set",
         "dataset.oracle.test_examples=16", "--set", "mle.steps=12", "--set", "mle.batch_size=8",
         "--set", "mle.warmup_steps=2", "--set", "mle.eval_every=0", "--set",
         "mle.checkpoint_every=0", "--set", "cpo.steps=3", "--set", "cpo.batch_size=4",
         "--set", "cpo.samples_every=0", "--set", "cpo.checkpoint_every=0", "--set",
         R"(cpo.mix_weights={"an":0,"bn":1,"mn":1,"tn":1})"});
    if (result.exitCode != 0) {
        qWarning() << "the tiny run failed:" << result.err;
        return m_run;
    }
    const auto summary = cpo::test::parseSingleJson(result.out.trimmed().split('\n').last());
    m_runValidationLoss =
        summary["phases"].toObject()["mle"].toObject()["validation_loss"].toDouble();
    m_runId = summary["run_id"].toInteger();
    m_run = out;
    return m_run;
}

// One point per α, in order, with finite values; α 1 is the MLE checkpoint, so its NLL is the
// run's own final validation loss (the sweep rebuilt the same validation split); a repeated
// α gives the same numbers.
void TestEnsembleCli::sweepPrintsOnePointPerAlpha()
{
    const QString run = tinyRun();
    QVERIFY(!run.isEmpty());
    const auto result = runCpo({"ensemble", "sweep", "--run-dir", run, "--alphas",
                                "0,0.25,0.5,1,0.5", "--json", "--log-level", "warn"});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto json = cpo::test::parseSingleJson(result.out);
    QVERIFY(json["mle"].toString().endsWith("mle/step-00000012"));
    QVERIFY(json["cpo"].toString().endsWith("cpo/step-00000003"));
    QCOMPARE(json["split"].toString(), QString("validation"));
    QCOMPARE(json["examples"].toInt(), 32);
    const auto points = json["points"].toArray();
    const QList<double> alphas{0, 0.25, 0.5, 1, 0.5};
    QCOMPARE(points.size(), alphas.size());
    for (int i = 0; i < points.size(); ++i) {
        const auto point = points[i].toObject();
        QCOMPARE(point["alpha"].toDouble(), alphas[i]);
        for (const char* key : {"nll", "perplexity", "oracle_logp", "oracle_well_formed"})
            QVERIFY2(point[key].isDouble() && std::isfinite(point[key].toDouble()),
                     qPrintable(QString("point %1: %2").arg(i).arg(key)));
        QVERIFY(point["nll"].toDouble() > 0);
        QVERIFY(std::abs(std::exp(point["nll"].toDouble()) - point["perplexity"].toDouble()) <
                1e-6 * point["perplexity"].toDouble());
        QVERIFY(point["oracle_logp"].toDouble() < 0);
        QCOMPARE(point["tokens"].toInt(), 32 * 25); // 24 symbols + EOS each
        QCOMPARE(point["oracle_samples"].toInt(), 32);
    }
    for (const char* key : {"nll", "perplexity", "oracle_logp", "oracle_well_formed"})
        QCOMPARE(points[2].toObject()[key].toDouble(), points[4].toObject()[key].toDouble());
    QVERIFY(points[0].toObject()["nll"].toDouble() != points[3].toObject()["nll"].toDouble());
    QVERIFY2(std::abs(points[3].toObject()["nll"].toDouble() - m_runValidationLoss) < 1e-5,
             qPrintable(QString("alpha 1: %1, the run's validation loss: %2")
                            .arg(points[3].toObject()["nll"].toDouble())
                            .arg(m_runValidationLoss)));
}

// Without --json: a header and one row per α on stdout, the α first.
void TestEnsembleCli::sweepTable()
{
    const QString run = tinyRun();
    QVERIFY(!run.isEmpty());
    const auto result =
        runCpo({"ensemble", "sweep", "--run-dir", run, "--alphas", "1,0", "--split", "test",
                "--examples", "8", "--no-oracle", "--log-level", "warn"});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto lines = QString::fromUtf8(result.out).trimmed().split('\n');
    QCOMPARE(lines.size(), 3);
    QVERIFY2(lines[0].contains("alpha") && lines[0].contains("nll") &&
                 lines[0].contains("perplexity") && !lines[0].contains("oracle"),
             qPrintable(lines[0]));
    QCOMPARE(lines[1].split(' ', Qt::SkipEmptyParts).first(), QString("1.000"));
    QCOMPARE(lines[2].split(' ', Qt::SkipEmptyParts).first(), QString("0.000"));
    for (const auto& line : lines.mid(1)) {
        const auto fields = line.split(' ', Qt::SkipEmptyParts);
        QCOMPARE(fields.size(), 3);
        bool ok = false;
        QVERIFY2(std::isfinite(fields[1].toDouble(&ok)) && ok, qPrintable(line));
    }
}

void TestEnsembleCli::sweepErrorsAreOneLine_data()
{
    QTest::addColumn<QStringList>("arguments"); // after `ensemble sweep`; RUN: the tiny run
    QTest::addColumn<QStringList>("mentions");
    QTest::newRow("a word in the alphas")
        << QStringList{"--run-dir", "RUN", "--alphas", "0,half,1"}
        << QStringList{"alpha", "'half'"};
    QTest::newRow("an empty alpha") << QStringList{"--run-dir", "RUN", "--alphas", "0,,1"}
                                    << QStringList{"alpha", "not a number"};
    QTest::newRow("missing checkpoint folder")
        << QStringList{"--run-dir", "RUN", "--cpo", "NOWHERE"} << QStringList{"--cpo", "nowhere"};
    QTest::newRow("other architecture") << QStringList{"--run-dir", "RUN", "--cpo", "LLAMA"}
                                        << QStringList{"cannot interpolate", "llama"};
    QTest::newRow("other shape") << QStringList{"--run-dir", "RUN", "--cpo", "WIDER"}
                                 << QStringList{"cannot interpolate", "--cpo"};
    QTest::newRow("not a run folder") << QStringList{"--run-dir", "EMPTY"}
                                      << QStringList{"experiment.json", "cpo run"};
    QTest::newRow("a run without CPO")
        << QStringList{"--run-dir", "NOCPO", "--mle", "MLE"}
        << QStringList{"no cpo checkpoint", "--cpo DIR"};
    QTest::newRow("unknown split") << QStringList{"--run-dir", "RUN", "--split", "train"}
                                   << QStringList{"--split"};
}

void TestEnsembleCli::sweepErrorsAreOneLine()
{
    QFETCH(QStringList, arguments);
    QFETCH(QStringList, mentions);
    const QString run = tinyRun();
    QVERIFY(!run.isEmpty());
    // A run folder without its cpo/: the experiment only.
    const QString noCpo = m_dir.filePath("no-cpo");
    QDir().mkpath(noCpo);
    QFile::copy(run + "/experiment.json", noCpo + "/experiment.json");
    QDir().mkpath(m_dir.filePath("empty"));
    const QMap<QString, QString> placeholders{{"RUN", run},
                                              {"NOWHERE", m_dir.filePath("nowhere")},
                                              {"LLAMA", m_llama},
                                              {"WIDER", m_wider},
                                              {"EMPTY", m_dir.filePath("empty")},
                                              {"NOCPO", noCpo},
                                              {"MLE", run + "/mle/step-00000012"}};
    for (auto& argument : arguments)
        argument = placeholders.value(argument, argument);
    const auto result = runCpo(QStringList{"ensemble", "sweep"} + arguments);
    QVERIFY(result.exitCode != 0);
    QVERIFY2(result.out.isEmpty(), result.out.constData());
    const QString err = QString::fromUtf8(result.err).trimmed();
    QVERIFY2(!err.contains('\n'), qPrintable("expected one line, got: " + err));
    for (const auto& mention : mentions)
        QVERIFY2(err.contains(mention), qPrintable(err));
}

void TestEnsembleCli::sweepHasHelp()
{
    const auto ensembleHelp = runCpo({"ensemble", "--help"});
    QCOMPARE(ensembleHelp.exitCode, 0);
    QVERIFY2(ensembleHelp.out.contains("sweep"), ensembleHelp.out.constData());
    const auto result = runCpo({"ensemble", "sweep", "--help"});
    QCOMPARE(result.exitCode, 0);
    for (const char* flag : {"--run-dir", "--alphas", "--split", "--examples", "--mle", "--cpo",
                             "--json"})
        QVERIFY2(result.out.contains(flag), flag);
    // The plain ensemble still names what it needs.
    const auto missing = runCpo({"ensemble", "--mle", m_mle, "--cpo", m_cpo, "--alpha", "0.5"});
    QVERIFY(missing.exitCode != 0);
    QVERIFY2(QString::fromUtf8(missing.err).contains("--out is required"),
             missing.err.constData());
}

// `cpo eval` on the tiny run with the oracle judge: one result per model, each a win rate
// inside its interval over the 16 test prompts, all of them stored; the CPO model's KL to the
// MLE model is reported.
void TestEnsembleCli::evalJudgesTheRunsModels()
{
    QVERIFY(!tinyRun().isEmpty());
    const QString judge = cpo::test::sourceDir() + "/experiments/judges/oracle.json";
    const auto result = runCpo({"eval", QString::number(m_runId), "--judge", judge, "--db",
                                m_dir.filePath("runs.sqlite"), "--models", "mle,cpo,alpha=0.5",
                                "--json", "--log-level", "warn"});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto report = cpo::test::parseSingleJson(result.out);
    QCOMPARE(report["examples"].toInt(), 16);
    const auto models = report["models"].toArray();
    QCOMPARE(models.size(), 3);
    QStringList labels;
    for (const auto& value : models) {
        const auto model = value.toObject();
        labels << model["model"].toString();
        QCOMPARE(model["judge"].toString(), QString("oracle"));
        QCOMPARE(model["n"].toInt() + model["failures"].toInt(), 16);
        QVERIFY(model["ci_low"].toDouble() <= model["win_rate"].toDouble());
        QVERIFY(model["win_rate"].toDouble() <= model["ci_high"].toDouble());
        QVERIFY(model.contains("evaluation_id"));
    }
    QCOMPARE(labels, QStringList({"mle", "cpo", "alpha=0.5"}));
    QVERIFY(!models[0].toObject().contains("kl_to_mle"));
    QVERIFY(models[1].toObject().contains("kl_to_mle"));
    m_evalMleWinRate = models[0].toObject()["win_rate"].toDouble();

    const auto bad = runCpo({"eval", QString::number(m_runId), "--judge", judge, "--db",
                             m_dir.filePath("runs.sqlite"), "--models", "mle,dpo"});
    QVERIFY(bad.exitCode != 0);
    QVERIFY2(bad.err.contains("dpo") && bad.err.trimmed().count('\n') == 0, bad.err.constData());
}

// Judged per α on the same prompts with the same greedy decoding: α 1 is the MLE model, so
// its win rate is the one `cpo eval` gave the MLE model; the best α is one of the list.
void TestEnsembleCli::sweepWithJudgeMarksTheBestAlpha()
{
    QVERIFY(!tinyRun().isEmpty());
    const QString judge = cpo::test::sourceDir() + "/experiments/judges/oracle.json";
    const auto result = runCpo({"ensemble", "sweep", "--run-dir", tinyRun(), "--alphas", "0,1",
                                "--split", "test", "--examples", "16", "--judge", judge, "--db",
                                m_dir.filePath("runs.sqlite"), "--json", "--log-level", "warn"});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto document = cpo::test::parseSingleJson(result.out);
    const auto points = document["points"].toArray();
    QCOMPARE(points.size(), 2);
    for (const auto& value : points) {
        const auto point = value.toObject();
        QVERIFY(point.contains("win_rate") && point.contains("ci_low"));
        QCOMPARE(point["n"].toInt() + point["failures"].toInt(), 16);
    }
    const double best = document["best_alpha"].toDouble();
    QVERIFY(best == 0.0 || best == 1.0);

    // Stored: one point per α, each with its quality and coverage on the oracle task (the α
    // view's second axis), which are the sweep's own oracle score and held-out NLL.
    cpo::store::RunStore store(m_dir.filePath("runs.sqlite").toStdString(),
                               cpo::store::OpenMode::ReadOnly);
    cpo::store::EvaluationStore evaluations(store.database());
    const auto sweeps = evaluations.alphaSweeps(m_runId);
    QVERIFY(!sweeps.empty());
    const auto& sweep = sweeps.back();
    QCOMPARE(sweep.points.size(), std::size_t{2});
    const auto stored = cpo::engine::alphaOracleValues(sweep, evaluations.evaluations(m_runId));
    QCOMPARE(stored.size(), std::size_t{2});
    for (std::size_t i = 0; i < stored.size(); ++i) {
        const auto point = points[static_cast<qsizetype>(i)].toObject();
        QVERIFY2(stored[i].quality && stored[i].coverage, qPrintable(QString::number(i)));
        QVERIFY(std::isfinite(*stored[i].quality) && *stored[i].quality > 0.0);
        QCOMPARE(*stored[i].coverage, point["nll"].toDouble());
        QCOMPARE(-*stored[i].quality, point["oracle_logp"].toDouble());
    }
    if (m_evalMleWinRate >= 0.0)
        QCOMPARE(points[1].toObject()["win_rate"].toDouble(), m_evalMleWinRate);
}

QTEST_GUILESS_MAIN(TestEnsembleCli)
#include "tst_ensemble_cli.moc"
