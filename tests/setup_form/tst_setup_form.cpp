// The experiment setup form: fields validated in place by the reader `cpo run` uses, Start
// disabled (validityChanged) while anything is wrong, files that round-trip, the CLI command,
// the dataset preview and the queue dialog.

#include "setup/dataset_preview_pane.h"
#include "setup/experiment_form.h"
#include "setup/field_editor.h"
#include "setup/queue_grid_dialog.h"

#include "engine/experiment.h"

#include "test_env.h"
#include "test_files.h"

#include <QtCore/QMimeData>
#include <QtCore/QTemporaryDir>
#include <QtGui/QDragEnterEvent>
#include <QtGui/QDropEvent>
#include <QtTest/QtTest>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QGroupBox>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>

using cpo::ui::ExperimentForm;

class TestSetupForm : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    // A copy of the shipped demo, so saving never touches the source tree.
    QString demoCopy(const QString& name = QStringLiteral("demo.json"))
    {
        const QString copy = m_dir.filePath(name);
        QFile::remove(copy);
        if (!QFile::copy(cpo::test::sourceDir() + "/experiments/demo-oracle.json", copy))
            qWarning("cannot copy the demo experiment to %s", qPrintable(copy));
        return copy;
    }

    // Types `text` into the field at `path` as a user would (replacing what it holds).
    static void type(ExperimentForm& form, const std::string& path, const QString& text)
    {
        auto* field = form.field(path);
        QVERIFY2(field, path.c_str());
        auto* line = qobject_cast<QLineEdit*>(field->editor());
        QVERIFY2(line, path.c_str());
        line->setText(QString()); // unseen by the form: only typing is an edit
        QTest::keyClicks(line, text);
    }

    static QString allIssues(ExperimentForm& form)
    {
        QStringList lines;
        for (const auto& issue : form.document().issues())
            lines << QString::fromStdString(issue.path + ": " + issue.message);
        return lines.join('\n');
    }

    static QString hashOf(const ExperimentForm& form)
    {
        const auto& config = const_cast<ExperimentForm&>(form).document().config();
        return config ? QString::fromStdString(cpo::engine::configHash(*config)) : QString();
    }

private Q_SLOTS:
    void demoIsValidAndUnmodified()
    {
        ExperimentForm form;
        QVERIFY(!form.isValid()); // an empty form names no experiment
        QSignalSpy validity(&form, &ExperimentForm::validityChanged);
        QVERIFY(form.openFile(demoCopy()));
        QVERIFY2(form.isValid(), qPrintable(form.messageFor("")));
        QVERIFY(!form.isModified());
        QCOMPARE(validity.count(), 1);
        QCOMPARE(validity.takeFirst().at(0).toBool(), true);
        QCOMPARE(form.field("cpo.beta")->message(), QString());
    }

    void unreadableFileIsNamed()
    {
        ExperimentForm form;
        QSignalSpy problem(&form, &ExperimentForm::problem);
        const QString broken = m_dir.filePath("broken.json");
        cpo::test::writeFile(broken, "{\"name\": ");
        QVERIFY(!form.openFile(broken));
        QVERIFY(!form.openFile(m_dir.filePath("absent.json")));
        QCOMPARE(problem.count(), 2);
        QVERIFY(problem.at(0).at(0).toString().contains("broken.json: not valid JSON"));
        QVERIFY(problem.at(1).at(0).toString().contains("absent.json"));
        QVERIFY(form.fileName().isEmpty());
    }

    void wrongValueGetsItsMessage_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QString>("typed");
        QTest::addColumn<QString>("expected");
        QTest::newRow("beta 0") << QByteArray("cpo.beta") << "0" << "> 0";
        QTest::newRow("beta negative") << QByteArray("cpo.beta") << "-1" << "> 0";
        QTest::newRow("beta not a number") << QByteArray("cpo.beta") << "abc" << "abc";
        QTest::newRow("K 1") << QByteArray("cpo.k") << "1" << "[2, 1024]";
        QTest::newRow("K 0") << QByteArray("cpo.k") << "0" << "[2, 1024]";
        QTest::newRow("mn fraction") << QByteArray("cpo.mn_fraction") << "1.5" << "(0, 1]";
    }

    void wrongValueGetsItsMessage()
    {
        QFETCH(QByteArray, path);
        QFETCH(QString, typed);
        QFETCH(QString, expected);
        ExperimentForm form;
        QVERIFY(form.openFile(demoCopy()));
        QSignalSpy validity(&form, &ExperimentForm::validityChanged);
        type(form, path.toStdString(), typed);
        const QString message = form.field(path.toStdString())->message();
        QVERIFY2(message.contains(expected), qPrintable(message));
        QVERIFY(!form.isValid());
        QVERIFY(form.isModified());
        QCOMPARE(validity.count(), 1);
        QCOMPARE(validity.takeFirst().at(0).toBool(), false);
        // Fixing it makes the form valid again, and the message goes.
        type(form, path.toStdString(), path == "cpo.k" ? "3" : "0.5");
        QVERIFY2(form.isValid(), qPrintable(form.field(path.toStdString())->message()));
        QCOMPARE(form.field(path.toStdString())->message(), QString());
        QCOMPARE(validity.count(), 1);
        QCOMPARE(validity.takeFirst().at(0).toBool(), true);
    }

    void typedNumbersStayAsTyped()
    {
        ExperimentForm form;
        QVERIFY(form.openFile(demoCopy()));
        type(form, "cpo.lr", "1e-4");
        auto* line = qobject_cast<QLineEdit*>(form.field("cpo.lr")->editor());
        QCOMPARE(line->text(), QStringLiteral("1e-4"));
        QCOMPARE(form.document().config()->cpo->optimizer.lr, 1e-4);
        form.document().set("cpo.lr", 0.002); // set elsewhere (a preset, a clone): shown
        QCOMPARE(line->text(), QStringLiteral("0.002"));
    }

    void missingDatasetFileIsNamedAtItsField()
    {
        ExperimentForm form;
        QVERIFY(form.openFile(demoCopy()));
        form.setDatasetPath(m_dir.filePath("no-such-data.jsonl"));
        const QString message = form.messageFor("dataset.instruction_jsonl.path");
        QVERIFY2(message.contains("no such file"), qPrintable(message));
        QVERIFY(message.contains("no-such-data.jsonl"));
        QVERIFY(form.field("dataset.instruction_jsonl.path")->message() == message);
        QVERIFY(!form.isValid());

        // The file appearing (and a vocabulary for the from-scratch model, and a judge for
        // the demo's eval block: its default, the oracle, needs the oracle task) makes it valid.
        cpo::test::writeFile(m_dir.filePath("no-such-data.jsonl"),
                             R"({"instruction": "Say hi", "response": "Hi"})"
                             "\n");
        form.document().set("tokenizer", {{"train_sentencepiece", {{"vocab_size", 64}}}});
        QVERIFY(form.applyOverrides(
            {"dataset.max_prefix_tokens=24", "dataset.max_continuation_tokens=24",
             "eval.judge=" + cpo::test::sourceDir() + "/experiments/judges/human.json"}));
        QCOMPARE(form.field("dataset.instruction_jsonl.path")->message(), QString());
        QVERIFY2(form.isValid(), qPrintable(allIssues(form)));
    }

    void savedAndReloadedIsTheSameExperiment()
    {
        ExperimentForm form;
        QVERIFY(form.openFile(demoCopy()));
        type(form, "cpo.beta", "0.5");
        type(form, "mle.steps", "400");
        QVERIFY2(form.isValid(), qPrintable(allIssues(form)));
        QVERIFY(form.isModified());
        const QString saved = m_dir.filePath("saved.json");
        QSignalSpy modified(&form, &ExperimentForm::modifiedChanged);
        QVERIFY(form.saveTo(saved));
        QVERIFY(!form.isModified());
        QCOMPARE(modified.count(), 1);
        QCOMPARE(form.fileName(), saved);

        ExperimentForm reloaded;
        QVERIFY(reloaded.openFile(saved));
        QVERIFY(reloaded.isValid());
        QCOMPARE(hashOf(reloaded), hashOf(form));
        // And `cpo run` reads the saved file as the same experiment.
        const auto fromDisk = cpo::engine::loadExperiment(saved.toStdString());
        QCOMPARE(QString::fromStdString(cpo::engine::configHash(fromDisk)), hashOf(form));
        QCOMPARE(fromDisk.cpo->beta, 0.5);
        QCOMPARE(fromDisk.mle->steps, 400);
    }

    // The eval block: every field shows the file's value, an edit in each lands in the saved
    // file as `cpo run` reads it, a wrong α is named at the list's field, and switching the
    // block off and on again keeps it.
    void evalBlockRoundTrips()
    {
        ExperimentForm form;
        QVERIFY(form.openFile(demoCopy()));
        const auto shown = [&form](const std::string& path) {
            return qobject_cast<QLineEdit*>(form.field(path)->editor())->text();
        };
        QCOMPARE(shown("eval.every"), QStringLiteral("500"));
        QCOMPARE(shown("eval.examples"), QStringLiteral("500"));
        QCOMPARE(shown("eval.decoding.top_p"), QStringLiteral("1.0"));
        QCOMPARE(shown("eval.alphas"), QStringLiteral("0.25, 0.5, 0.75"));

        type(form, "eval.alphas", "0, half");
        const QString message = form.field("eval.alphas")->message();
        QVERIFY2(message.contains("eval.alphas[1]") && message.contains("half"),
                 qPrintable(message));
        QVERIFY(!form.isValid());

        const QString judge = cpo::test::sourceDir() + "/experiments/judges/oracle.json";
        type(form, "eval.every", "100");
        type(form, "eval.examples", "64");
        type(form, "eval.judge", judge);
        type(form, "eval.decoding.temperature", "0.7");
        type(form, "eval.decoding.top_k", "20");
        type(form, "eval.decoding.top_p", "0.9");
        type(form, "eval.decoding.max_new_tokens", "30");
        type(form, "eval.decoding.seed", "9");
        type(form, "eval.alphas", "0, 0.5,1");
        QVERIFY2(form.isValid(), qPrintable(allIssues(form)));
        const QString saved = m_dir.filePath("eval.json");
        QVERIFY(form.saveTo(saved));

        const auto fromDisk = cpo::engine::loadExperiment(saved.toStdString());
        QVERIFY(fromDisk.eval);
        const auto& eval = *fromDisk.eval;
        QCOMPARE(eval.every, std::int64_t{100});
        QCOMPARE(eval.examples, std::int64_t{64});
        QCOMPARE(QString::fromStdString(eval.judge), judge);
        QCOMPARE(eval.decoding.temperature, 0.7);
        QCOMPARE(eval.decoding.topK, std::int64_t{20});
        QCOMPARE(eval.decoding.topP, 0.9);
        QCOMPARE(eval.decoding.maxNewTokens, std::int64_t{30});
        QCOMPARE(eval.decoding.seed, std::uint64_t{9});
        QCOMPARE(eval.alphas, (std::vector<double>{0.0, 0.5, 1.0}));

        ExperimentForm reloaded;
        QVERIFY(reloaded.openFile(saved));
        QCOMPARE(hashOf(reloaded), hashOf(form));
        QCOMPARE(qobject_cast<QLineEdit*>(reloaded.field("eval.alphas")->editor())->text(),
                 QStringLiteral("0, 0.5, 1"));

        // Off: no eval block (no evaluation); on again: the same block back.
        QGroupBox* box = nullptr;
        for (auto* group : reloaded.findChildren<QGroupBox*>())
            if (group->title().startsWith(QStringLiteral("Evaluation")))
                box = group;
        QVERIFY(box && box->isChecked());
        box->setChecked(false);
        Q_EMIT box->clicked(false);
        QVERIFY(reloaded.isValid());
        QVERIFY(!reloaded.document().config()->eval);
        box->setChecked(true);
        Q_EMIT box->clicked(true);
        QCOMPARE(hashOf(reloaded), hashOf(form));
    }

    void closingAsksAboutUnsavedChanges()
    {
        ExperimentForm form;
        QVERIFY(form.openFile(demoCopy()));
        QVERIFY(form.confirmClose()); // nothing to ask
        type(form, "cpo.beta", "0.5");
        const auto answerWith = [](QMessageBox::StandardButton button) {
            QTimer::singleShot(0, [button] {
                auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
                QVERIFY(box);
                box->button(button)->click();
            });
        };
        answerWith(QMessageBox::Cancel);
        QVERIFY(!form.confirmClose());
        QVERIFY(form.isModified());
        answerWith(QMessageBox::Save);
        QVERIFY(form.confirmClose());
        QVERIFY(!form.isModified()); // saved to its file
        QCOMPARE(cpo::engine::loadExperiment(form.fileName().toStdString()).cpo->beta, 0.5);
    }

    void cliCommandReproducesTheForm()
    {
        ExperimentForm form;
        const QString file = demoCopy();
        QVERIFY(form.openFile(file));
        QCOMPARE(form.copyCliCommand(), "cpo run " + file);
        type(form, "cpo.beta", "0.5");
        auto* sampler = form.field("cpo.sampler");
        auto* combo = qobject_cast<QComboBox*>(sampler->editor());
        QVERIFY(combo);
        combo->setCurrentText("bn");
        Q_EMIT combo->activated(combo->currentIndex());
        form.document().set("description", "with a 'quote'");
        const QString command = form.copyCliCommand();
        QCOMPARE(command, "cpo run " + file +
                              " --set cpo.beta=0.5 --set cpo.sampler=bn"
                              " --set 'description=with a '\\''quote'\\'''");
        // Running the file with those overrides gives the form's experiment.
        const std::vector<std::string> overrides{"cpo.beta=0.5", "cpo.sampler=bn",
                                                 "description=with a 'quote'"};
        const auto viaCli = cpo::engine::loadExperiment(file.toStdString(), overrides);
        QCOMPARE(QString::fromStdString(cpo::engine::configHash(viaCli)), hashOf(form));
    }

    void precisionShowsItsDefaultAndCanBeChosen()
    {
        ExperimentForm form;
        const QString file = demoCopy();
        QVERIFY(form.openFile(file));
        auto* combo = qobject_cast<QComboBox*>(form.field("precision")->editor());
        QVERIFY(combo);
        QCOMPARE(combo->currentText(), QStringLiteral("fp32")); // not in the file: the default
        QVERIFY(!form.isModified());
        combo->setCurrentText("bf16");
        Q_EMIT combo->activated(combo->currentIndex());
        QVERIFY(form.isModified());
        QVERIFY(form.document().config());
        QVERIFY(form.document().config()->precision == cpo::model::Precision::Bf16);
        QCOMPARE(form.copyCliCommand(), "cpo run " + file + " --set precision=bf16");
    }

    void switchingOffAPhaseKeepsItsSettings()
    {
        ExperimentForm form;
        QVERIFY(form.openFile(demoCopy()));
        type(form, "cpo.beta", "0.5");
        const QString before = hashOf(form);
        QVERIFY(form.applyOverrides({"cpo=null"}));
        QVERIFY(form.isValid());
        QVERIFY(!form.document().config()->cpo);
        QVERIFY(form.applyOverrides({"model.init.hidden_size=64", "model.init.num_heads=4"}));
        QCOMPARE(form.document().config()->model.init->hiddenSize, 64);
        QVERIFY(!form.applyOverrides({"nodot"}));
        QVERIFY(before != hashOf(form));
    }

    void clonedRunIsAnUnsavedCopy()
    {
        const auto config = cpo::engine::loadExperiment(demoCopy().toStdString());
        ExperimentForm form;
        form.cloneSetup(QString::fromStdString(cpo::engine::toJson(config).dump()), "demo 3");
        QVERIFY(form.isValid());
        QVERIFY(form.isModified());
        QVERIFY(form.fileName().isEmpty());
        QCOMPARE(form.document().config()->name, std::string("demo 3 (copy)"));
        QCOMPARE(form.document().config()->cpo->beta, config.cpo->beta);
    }

    void datasetPreviewShowsRecordsAndLengths()
    {
        ExperimentForm form;
        QVERIFY(form.openFile(demoCopy()));
        const QString data = m_dir.filePath("dolly.jsonl");
        cpo::test::writeFile(data, R"({"instruction": "Name a colour", "response": "Red"})"
                                   "\n"
                                   R"({"instruction": "Count", "response": "one two three"})"
                                   "\n"
                                   R"({"instruction": "Greet", "response": "Hello there"})"
                                   "\n");
        QSignalSpy shown(form.datasetPreview(), &cpo::ui::DatasetPreviewPane::shown);
        // Dropped on the form, as from a file manager.
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(data)});
        QDragEnterEvent enter({10, 10}, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&form, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&form, &drop);
        QCOMPARE(form.document().find("dataset.kind")->get<std::string>(),
                 std::string("instruction_jsonl"));
        QVERIFY(shown.wait(5000));
        const auto& result = form.datasetPreview()->result();
        QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
        QCOMPARE(result.records.size(), 3);
        QCOMPARE(result.recordsSkipped, 0);
        QVERIFY(result.records.front().prompt.contains("Name a colour"));
        QCOMPARE(result.records.front().continuation, QStringLiteral("Red"));
        QCOMPARE(result.lengthUnit, QStringLiteral("words"));
        double counted = 0;
        for (const double count : result.binCounts)
            counted += count;
        QCOMPARE(counted, 3.0);
    }

    void textCorpusPreviewCountsDocuments()
    {
        ExperimentForm form;
        QVERIFY(form.openFile(demoCopy()));
        const QString corpus = m_dir.filePath("wiki.txt");
        cpo::test::writeFile(corpus, " = Cats = \n Cats purr and sleep .\n"
                                     " = Dogs = \n Dogs bark .\n = = History = = \n Old .\n");
        QSignalSpy shown(form.datasetPreview(), &cpo::ui::DatasetPreviewPane::shown);
        form.setDatasetPath(corpus);
        QCOMPARE(form.document().find("dataset.kind")->get<std::string>(),
                 std::string("text_corpus"));
        QVERIFY(shown.wait(5000));
        const auto& result = form.datasetPreview()->result();
        QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
        QCOMPARE(result.recordsRead, 2); // a subsection stays in its article
        QCOMPARE(result.records.front().prompt.trimmed(), QStringLiteral("= Cats ="));
        QCOMPARE(result.measured, 2);
    }

    // The app docks the form beside the other views (each at most 700 px wide at the least):
    // the two must fit a 1366-px laptop screen.
    void fitsALaptopScreenBesideAView()
    {
        ExperimentForm form;
        QVERIFY(form.openFile(demoCopy()));
        const int width = form.minimumSizeHint().width();
        QVERIFY2(width <= 600, qPrintable(QStringLiteral("%1 px").arg(width)));
    }

    void gridQueueFileHasTheReadmeFormat()
    {
        const QString experiment = demoCopy();
        QVERIFY(QDir().mkpath(m_dir.filePath("queues")));
        const QString queue = m_dir.filePath("queues/grid.json");
        const auto document = cpo::ui::gridQueueJson(
            experiment, queue, {{"cpo.beta", "0.5, 5"}, {"cpo.sampler", "mix,bn"}, {"", "9"}});
        const auto expected = nlohmann::json::parse(R"({
            "experiment": "../demo.json",
            "grid": {"cpo.beta": [0.5, 5], "cpo.sampler": ["mix", "bn"]}})");
        QCOMPARE(QString::fromStdString(document.dump()),
                 QString::fromStdString(expected.dump()));

        cpo::ui::QueueGridDialog dialog(experiment);
        QCOMPARE(dialog.runCount(), 4); // its suggested axes: two β and two samplers
        QSignalSpy written(&dialog, &cpo::ui::QueueGridDialog::queueWritten);
        QVERIFY(dialog.write(queue));
        QCOMPARE(written.count(), 1);
        QFile file(queue);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const auto onDisk = nlohmann::json::parse(file.readAll().toStdString());
        QCOMPARE(onDisk["experiment"].get<std::string>(), std::string("../demo.json"));
        QCOMPARE(onDisk["grid"].size(), std::size_t(2));
    }
};

QTEST_MAIN(TestSetupForm)
#include "tst_setup_form.moc"
