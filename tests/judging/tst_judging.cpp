// The judging view: evaluations joined per example with each judge's verdict, the filters,
// and blind A/B votes that land in the store with the order shown and the voter.
#include "engine/judged_examples.h"
#include "engine/run_catalog.h"
#include "eval/chat_connection_test.h"
#include "eval/human_judge.h"
#include "judging/judge_settings_dialog.h"
#include "judging/judged_filter_model.h"
#include "judging/judged_table_model.h"
#include "judging/judging_view.h"
#include "judging/voting_panel.h"
#include "store/run_store.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QTest>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QTextBrowser>

using namespace cpo;
using namespace cpo::ui;

namespace {

const char* const kModel = "secret-model-x"; // must not show before a vote

// One run, the model judged by two judges on three examples; they disagree on the second.
struct Fixture {
    QTemporaryDir dir;
    std::filesystem::path db;
    std::int64_t runId = 0;
    std::int64_t oracleEvaluation = 0;

    Fixture() : db(dir.filePath(QStringLiteral("runs.sqlite")).toStdString())
    {
        store::RunStore runs(db);
        store::RunRecord run;
        run.name = "judged";
        run.experimentJson = "{}";
        runId = runs.createRun(run);
        store::EvaluationStore evaluations(runs.database());
        const auto add = [&](const char* judge, std::vector<const char*> verdicts) {
            store::EvaluationRecord e;
            e.runId = runId;
            e.evalSet = "test";
            e.modelLabel = kModel;
            e.step = 300;
            e.judge = judge;
            e.decodingJson = "{}";
            e.summaryJson = "{}";
            std::vector<store::GenerationRecord> generations;
            for (std::size_t i = 0; i < verdicts.size(); ++i) {
                store::GenerationRecord g;
                g.exampleHash = "h:" + std::to_string(i);
                g.prompt = "prompt " + std::to_string(i);
                g.reference = "the truth " + std::to_string(i);
                g.text = "generated " + std::to_string(i);
                g.category = i == 2 ? "brainstorming" : "open_qa";
                g.verdict = std::string(verdicts[i]);
                generations.push_back(g);
            }
            return evaluations.insertEvaluation(e, generations);
        };
        oracleEvaluation = add("oracle", {"win", "loss", "tie"});
        add("gpt-judge", {"win", "win", "tie"});
    }
};

} // namespace

class TestJudging : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void joinsEvaluationsPerExample();
    void filtersByModelCategoryJudgeAndDisagreement();
    void voteLandsInTheStoreAndUndoRemovesIt();
    void agreementShowsHumanBesideJudges();
    void modelsPassTheTester();
    void judgeSettingsRoundTripAndTestConnection();
    void fitsBesideTheSetupForm();
};

void TestJudging::joinsEvaluationsPerExample()
{
    Fixture f;
    engine::RunCatalog catalog(f.db);
    const auto judged = engine::judgedExamples(catalog, f.runId);
    QCOMPARE(judged.rows.size(), std::size_t(3));
    QCOMPARE(judged.judges, (std::vector<std::string>{"gpt-judge", "oracle"}));
    QCOMPARE(judged.rows[1].verdicts.at("oracle"), std::string("loss"));
    QCOMPARE(judged.rows[1].verdicts.at("gpt-judge"), std::string("win"));
    QVERIFY(judged.rows[1].judgesDisagree());
    QVERIFY(!judged.rows[0].judgesDisagree());
}

void TestJudging::filtersByModelCategoryJudgeAndDisagreement()
{
    Fixture f;
    engine::RunCatalog catalog(f.db);
    JudgedTableModel model;
    model.setData(engine::judgedExamples(catalog, f.runId));
    JudgedFilterModel filter;
    filter.setSourceModel(&model);
    QCOMPARE(filter.rowCount(), 3);
    filter.setDisagreementOnly(true);
    QCOMPARE(filter.rowCount(), 1);
    QCOMPARE(filter.index(0, JudgedTableModel::Prompt).data().toString(),
             QStringLiteral("prompt 1"));
    filter.setDisagreementOnly(false);
    filter.setCategoryFilter(QStringLiteral("brainstorming"));
    QCOMPARE(filter.rowCount(), 1);
    filter.setCategoryFilter({});
    filter.setModelFilter(QStringLiteral("mle"));
    QCOMPARE(filter.rowCount(), 0);
    filter.setModelFilter(QString::fromLatin1(kModel));
    QCOMPARE(filter.rowCount(), 3);
    filter.setJudgeFilter(QStringLiteral("human")); // nobody voted yet
    QCOMPARE(filter.rowCount(), 0);
    filter.setJudgeFilter(QStringLiteral("oracle"));
    QCOMPARE(filter.rowCount(), 3);
}

void TestJudging::voteLandsInTheStoreAndUndoRemovesIt()
{
    Fixture f;
    engine::RunCatalog catalog(f.db);
    JudgingView view;
    view.votingPanel()->setVoter(QStringLiteral("tester"));
    connect(&view, &JudgingView::voteCast, &view, [&](const store::HumanVoteRecord& vote) {
        view.voteStored(vote.generationId, catalog.addHumanVote(vote));
    });
    connect(&view, &JudgingView::voteUndone, &view,
            [&](qint64 id) { catalog.removeHumanVote(id); });
    view.setData(f.runId, engine::judgedExamples(catalog, f.runId));
    auto* panel = view.votingPanel();
    // Blind: the model's name is in none of the panel's texts before the vote.
    const auto panelTexts = [panel] {
        QStringList texts;
        for (const auto* label : panel->findChildren<QLabel*>())
            texts << label->text();
        for (const auto* browser : panel->findChildren<QTextBrowser*>())
            texts << browser->toPlainText();
        return texts.join(QLatin1Char('\n'));
    };
    QVERIFY(!panelTexts().contains(QString::fromLatin1(kModel)));
    QVERIFY(panelTexts().contains(QStringLiteral("generated 0")));
    QVERIFY2(view.statusText().endsWith(QStringLiteral(", 0 votes")),
             qPrintable(view.statusText()));

    const auto first = engine::judgedExamples(catalog, f.runId).rows[0].generationId;
    QTest::keyClick(panel, Qt::Key_1);
    auto votes = catalog.humanVotes(f.oracleEvaluation);
    QCOMPARE(votes.size(), std::size_t(1));
    QCOMPARE(votes[0].generationId, first);
    QCOMPARE(votes[0].voter, std::string("tester"));
    QCOMPARE(votes[0].choice, std::string("a"));
    QCOMPARE(votes[0].orderAb, eval::blindOrder(first, "tester")); // the order shown
    QCOMPARE(panel->votedCount(), 1);
    QCOMPARE(panel->currentItem(), 1);
    QVERIFY(panelTexts().contains(QString::fromLatin1(kModel))); // revealed after the vote
    // The status line counts each vote as it is cast, and each undo.
    QVERIFY2(view.statusText().endsWith(QStringLiteral(", 1 votes")),
             qPrintable(view.statusText()));

    QTest::keyClick(panel, Qt::Key_0);
    QCOMPARE(catalog.humanVotes(f.oracleEvaluation).size(), std::size_t(2));
    QVERIFY2(view.statusText().endsWith(QStringLiteral(", 2 votes")),
             qPrintable(view.statusText()));
    QTest::keyClick(panel, Qt::Key_U);
    votes = catalog.humanVotes(f.oracleEvaluation);
    QCOMPARE(votes.size(), std::size_t(1));
    QVERIFY2(view.statusText().endsWith(QStringLiteral(", 1 votes")),
             qPrintable(view.statusText()));
    QCOMPARE(panel->currentItem(), 1); // back on the item whose vote was taken back
    QCOMPARE(panel->votedCount(), 1);
    QTest::keyClick(panel, Qt::Key_Left);
    QCOMPARE(panel->currentItem(), 0);
}

void TestJudging::agreementShowsHumanBesideJudges()
{
    Fixture f;
    engine::RunCatalog catalog(f.db);
    const auto rows = engine::judgedExamples(catalog, f.runId).rows;
    // The human says what the oracle says on all three: κ with the oracle is 1.
    const char* oracle[] = {"win", "loss", "tie"};
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const bool modelAsA = eval::blindOrder(rows[i].generationId, "h");
        const std::string verdict = oracle[i];
        const std::string choice = verdict == "tie"                 ? "tie"
                                   : (verdict == "win") == modelAsA ? "a"
                                                                    : "b";
        catalog.addHumanVote(eval::makeVote(rows[i].generationId, "h", choice));
    }
    JudgingView view;
    view.setData(f.runId, engine::judgedExamples(catalog, f.runId));
    const QString text = view.agreementText();
    QVERIFY2(text.contains(QStringLiteral("<b>human</b>")), qPrintable(text));
    // The oracle: one win, one tie, one loss (0.5 of 3), in full agreement with the human.
    QVERIFY2(text.contains(QStringLiteral("<td>oracle</td><td>0.500 [")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("<td>3</td><td>1.00 (3 shared)</td>")),
             qPrintable(text));
    QCOMPARE(view.tableModel()->humanVerdict(1), QStringLiteral("loss"));
}

void TestJudging::modelsPassTheTester()
{
    Fixture f;
    engine::RunCatalog catalog(f.db);
    JudgedTableModel model;
    JudgedFilterModel filter;
    filter.setSourceModel(&model);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester filterTester(&filter,
                                          QAbstractItemModelTester::FailureReportingMode::QtTest);
    const auto judged = engine::judgedExamples(catalog, f.runId);
    model.setData(judged);
    filter.setDisagreementOnly(true);
    model.setVotes({eval::makeVote(judged.rows[0].generationId, "v", "a")});
    filter.setDisagreementOnly(false);
    model.setData({});
    QCOMPARE(filter.rowCount(), 0);
}

void TestJudging::judgeSettingsRoundTripAndTestConnection()
{
    JudgeSettingsDialog dialog;
    engine::ChatJudgeConfig config;
    config.baseUrl = "http://127.0.0.1:1"; // nothing listens on port 1
    config.model = "judge-model";
    config.apiKeyEnv = "CPO_TEST_KEY_THAT_IS_NOT_SET";
    config.concurrency = 3;
    config.maxRequests = 50;
    config.maxTokens = 8;
    config.timeoutSeconds = 5;
    dialog.setSettings(config);
    const auto back = dialog.settings();
    QCOMPARE(back.baseUrl, config.baseUrl);
    QCOMPARE(back.apiKeyEnv, config.apiKeyEnv);
    QCOMPARE(back.maxRequests, std::int64_t(50));
    QCOMPARE(back.maxTokens, std::int64_t(8));
    // The key's variable is checked before anything is sent, and named in the message.
    auto check = eval::testChatConnection(back);
    QVERIFY(!check.ok);
    QVERIFY2(check.message.find("CPO_TEST_KEY_THAT_IS_NOT_SET is not set") != std::string::npos,
             check.message.c_str());
    // Without a key, the refused connection is reported with the endpoint.
    config.apiKeyEnv.clear();
    check = eval::testChatConnection(config);
    QVERIFY(!check.ok);
    QVERIFY2(check.message.find("127.0.0.1:1") != std::string::npos, check.message.c_str());
}

// The app docks the view beside the setup form: the two must fit a 1366-px laptop screen
// (the window cannot be narrower than their minimum widths together).
void TestJudging::fitsBesideTheSetupForm()
{
    Fixture f;
    engine::RunCatalog catalog(f.db);
    JudgingView view;
    view.setRuns({{f.runId, QStringLiteral("demo-oracle with a longer name")}});
    view.setData(f.runId, engine::judgedExamples(catalog, f.runId));
    const int width = view.minimumSizeHint().width();
    QVERIFY2(width <= 700, qPrintable(QStringLiteral("%1 px").arg(width)));
}

QTEST_MAIN(TestJudging)
#include "tst_judging.moc"
