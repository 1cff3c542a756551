// `cpo-studio [EXPERIMENT.json] [--db FILE] [--run]`: what the app is asked to do at start.

#include "studio_arguments.h"

#include "test_env.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

using cpo::ui::parseStudioArguments;

class TestStudioArguments : public QObject {
    Q_OBJECT

private:
    QString demoFile() const { return cpo::test::sourceDir() + "/experiments/demo-oracle.json"; }

private Q_SLOTS:
    void noArgumentsOpenNothing()
    {
        const auto result = parseStudioArguments({"cpo-studio"});
        QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
        QVERIFY(result.arguments.experimentFile.isEmpty());
        QVERIFY(result.arguments.databaseFile.isEmpty());
        QVERIFY(!result.arguments.startRun);
        QCOMPARE(result.arguments.stepsScale, 1.0);
    }

    void experimentDbAndRun()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath("runs.sqlite");
        const auto result = parseStudioArguments(
            {"cpo-studio", demoFile(), "--db", db, "--run", "--set", "cpo.beta=0.5", "--set",
             "mle.steps=10", "--steps-scale", "0.1", "--view", "runs"});
        QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
        const auto& args = result.arguments;
        QCOMPARE(args.experimentFile, QFileInfo(demoFile()).absoluteFilePath());
        QCOMPARE(args.databaseFile, db);
        QVERIFY(args.startRun);
        QCOMPARE(args.overrides, QStringList({"cpo.beta=0.5", "mle.steps=10"}));
        QCOMPARE(args.stepsScale, 0.1);
        QCOMPARE(args.view, QStringLiteral("runs"));
    }

    void playgroundOptionsKept()
    {
        const auto result = parseStudioArguments(
            {"cpo-studio", "--model", "/m", "--tokenizer", "/t", "--prompt", "Hi", "--generate"});
        QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
        QCOMPARE(result.arguments.modelDir, QStringLiteral("/m"));
        QCOMPARE(result.arguments.tokenizerPath, QStringLiteral("/t"));
        QCOMPARE(result.arguments.prompt, QStringLiteral("Hi"));
        QVERIFY(result.arguments.generate);
    }

    void helpIsText()
    {
        const auto result = parseStudioArguments({"cpo-studio", "--help"});
        QVERIFY(result.error.isEmpty());
        QVERIFY(result.helpText.contains("--run"));
        QVERIFY(result.helpText.contains("--db"));
    }

    void mistakesAreNamed_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("expected");
        QTest::newRow("missing file") << QStringList{"cpo-studio", "/no/such.json"}
                                      << "/no/such.json: no such experiment file";
        QTest::newRow("run without file") << QStringList{"cpo-studio", "--run"} << "--run needs";
        QTest::newRow("set without file")
            << QStringList{"cpo-studio", "--set", "cpo.k=2"} << "--set needs";
        QTest::newRow("two files") << QStringList{"cpo-studio", "a.json", "b.json"}
                                   << "one experiment file at most";
        QTest::newRow("unknown view")
            << QStringList{"cpo-studio", "--view", "plots"} << "--view plots: unknown view";
        QTest::newRow("unknown option") << QStringList{"cpo-studio", "--bogus"} << "bogus";
        QTest::newRow("db without value") << QStringList{"cpo-studio", "--db"} << "db";
    }

    void mistakesAreNamed()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, expected);
        const auto result = parseStudioArguments(arguments);
        QVERIFY2(result.error.contains(expected), qPrintable(result.error));
    }

    void stepsScaleMustBePositive_data()
    {
        QTest::addColumn<QString>("value");
        QTest::newRow("zero") << "0";
        QTest::newRow("negative") << "-1";
        QTest::newRow("text") << "fast";
    }

    void stepsScaleMustBePositive()
    {
        QFETCH(QString, value);
        const auto result =
            parseStudioArguments({"cpo-studio", demoFile(), "--steps-scale", value});
        QVERIFY2(result.error.contains("--steps-scale " + value), qPrintable(result.error));
    }
};

QTEST_GUILESS_MAIN(TestStudioArguments)
#include "tst_studio_arguments.moc"
