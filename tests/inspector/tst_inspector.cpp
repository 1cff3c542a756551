// The candidate inspector: columns per candidate, token colours from the stored log-probs,
// the marks of MN and TN, and the step slider following one example through training.
#include "engine/candidate_marks.h"
#include "inspector/candidate_table_model.h"
#include "inspector/inspector_view.h"
#include "inspector/token_view.h"
#include "store/candidate_score_store.h"
#include "store/run_store.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>
#include <QtWidgets/QSlider>

using namespace cpo;
using namespace cpo::ui;

namespace {

store::CandidateRecord candidate(int idx, const char* strategy, std::vector<std::int32_t> ids,
                                 double reward)
{
    store::CandidateRecord c;
    c.idx = idx;
    c.role = idx == 0 ? store::CandidateRole::GroundTruth : store::CandidateRole::Negative;
    c.strategy = strategy;
    c.tokenIds = std::move(ids);
    for (std::size_t t = 0; t < c.tokenIds.size(); ++t) {
        c.logpTheta.push_back(-0.5f * static_cast<float>(t + idx));
        c.logpRef.push_back(-0.25f * static_cast<float>(t + 2 * idx));
    }
    c.reward = reward;
    c.similarity = idx == 0 ? 1.0 : 0.5;
    c.rank = idx;
    return c;
}

// y1 = 5 6 7 8 9 (9 = EOS); AN, MN (two replaced), TN (cut after two tokens).
InspectedSampleSet sampleSet(qint64 id = 1, qint64 step = 50)
{
    InspectedSampleSet set;
    set.runId = 7;
    set.set.id = id;
    set.set.step = step;
    set.set.phase = "cpo";
    set.set.prompt = "s1 s2 s3";
    set.set.candidates = {candidate(0, "", {5, 6, 7, 8, 9}, -1.0),
                          candidate(1, "an", {3, 3, 9}, 2.0),
                          candidate(2, "mn", {5, 1, 7, 2, 9}, 0.5),
                          candidate(3, "tn", {5, 6, 9}, -3.0)};
    for (const auto& c : set.set.candidates) {
        std::vector<QString> pieces;
        for (const auto token : c.tokenIds)
            pieces.push_back(QString::number(token));
        set.pieces.push_back(pieces);
    }
    set.tokensAsIds = true;
    return set;
}

} // namespace

class TestInspector : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void oneColumnPerCandidateWithStrategyAndReward();
    void sortsByReward();
    void tokenColoursMatchStoredLogProbs_data();
    void tokenColoursMatchStoredLogProbs();
    void tooltipGivesTokenIdAndValues();
    void marksMnReplacementsAndTnCut();
    void sliderFollowsTheSameExample();
    void arrowKeysMoveTheSlider();
    void modelPassesTheTester();
    void scoresUnderACheckpointAreKept();
};

void TestInspector::oneColumnPerCandidateWithStrategyAndReward()
{
    InspectorView view;
    view.showSampleSet(sampleSet());
    auto* model = view.candidateModel();
    QCOMPARE(model->columnCount(), 4);
    QCOMPARE(view.tokenColumnCount(), 4);
    QCOMPARE(model->headerData(0, Qt::Horizontal).toString(), QStringLiteral("y1 (#0)"));
    QCOMPARE(model->headerData(2, Qt::Horizontal).toString(), QStringLiteral("MN (#2)"));
    QCOMPARE(model->index(CandidateTableModel::Strategy, 3).data().toString(),
             QStringLiteral("TN negative"));
    QCOMPARE(model->index(CandidateTableModel::Reward, 1).data(Qt::UserRole).toDouble(), 2.0);
    QCOMPARE(model->index(CandidateTableModel::Reward, 1).data().toString(),
             QStringLiteral("2.00"));
    // Σ log π_θ of the AN negative: −0.5·(1 + 2 + 3).
    QCOMPARE(model->index(CandidateTableModel::PolicyLogProb, 1).data(Qt::UserRole).toDouble(),
             -3.0);
    QCOMPARE(model->index(CandidateTableModel::Rank, 3).data().toInt(), 3);
    QCOMPARE(view.tokenColumn(0)->tokenCount(), 5);
}

void TestInspector::sortsByReward()
{
    InspectorView view;
    view.showSampleSet(sampleSet());
    view.setSortedByReward(true);
    auto* model = view.candidateModel();
    QCOMPARE(model->candidateAt(0), 1); // AN, reward 2
    QCOMPARE(model->candidateAt(1), 2); // MN, 0.5
    QCOMPARE(model->candidateAt(2), 0); // y1, −1
    QCOMPARE(model->candidateAt(3), 3); // TN, −3
    // The token columns follow the table's order.
    QCOMPARE(view.tokenColumn(0)->tokenCount(), 3);
    QCOMPARE(view.tokenColumn(2)->tokenCount(), 5);
    view.setSortedByReward(false);
    QCOMPARE(model->candidateAt(0), 0);
}

void TestInspector::tokenColoursMatchStoredLogProbs_data()
{
    QTest::addColumn<int>("colouring");
    QTest::newRow("log π_θ") << static_cast<int>(TokenColouring::PolicyLogProb);
    QTest::newRow("log π_ref") << static_cast<int>(TokenColouring::ReferenceLogProb);
    QTest::newRow("difference") << static_cast<int>(TokenColouring::Difference);
}

void TestInspector::tokenColoursMatchStoredLogProbs()
{
    QFETCH(int, colouring);
    const auto mode = static_cast<TokenColouring>(colouring);
    InspectorView view;
    const auto set = sampleSet();
    view.showSampleSet(set);
    view.setColouring(mode);
    for (int column = 0; column < 4; ++column) {
        const auto& c = set.set.candidates[static_cast<std::size_t>(column)];
        auto* tokens = view.tokenColumn(column);
        for (int t = 0; t < tokens->tokenCount(); ++t) {
            const double theta = c.logpTheta[static_cast<std::size_t>(t)];
            const double ref = c.logpRef[static_cast<std::size_t>(t)];
            const double value = mode == TokenColouring::PolicyLogProb      ? theta
                                 : mode == TokenColouring::ReferenceLogProb ? ref
                                                                            : theta - ref;
            QCOMPARE(tokens->tokenColour(t), std::optional(tokenColour(mode, value)));
        }
    }
    // Different values get different colours: the scale is not flat.
    QVERIFY(tokenColour(mode, -0.1) != tokenColour(mode, -1.9));
}

void TestInspector::tooltipGivesTokenIdAndValues()
{
    InspectorView view;
    view.showSampleSet(sampleSet());
    const QString tip = view.tokenColumn(2)->tokenToolTip(1); // MN's replaced token 1
    QVERIFY2(tip.contains(QStringLiteral("id 1")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("log π_θ -1.500")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("log π_ref -1.250")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("log π_θ − log π_ref -0.250")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("replaced by MN")), qPrintable(tip));
    QVERIFY(view.tokenColumn(3)->tokenToolTip(2).contains(QStringLiteral("TN cut")));
}

void TestInspector::marksMnReplacementsAndTnCut()
{
    const std::vector<std::int32_t> y1{5, 6, 7, 8, 9};
    const auto mn = engine::candidateMarks("mn", y1, std::vector<std::int32_t>{5, 1, 7, 2, 9});
    QCOMPARE(mn.replaced, (std::vector<std::size_t>{1, 3}));
    QVERIFY(!mn.cut);
    const auto tn = engine::candidateMarks("tn", y1, std::vector<std::int32_t>{5, 6, 9});
    QCOMPARE(tn.cut, std::optional<std::size_t>(2));
    QVERIFY(tn.replaced.empty());
    const auto an = engine::candidateMarks("an", y1, std::vector<std::int32_t>{3, 3, 9});
    QVERIFY(an.replaced.empty() && !an.cut);
}

void TestInspector::sliderFollowsTheSameExample()
{
    InspectorView view;
    QSignalSpy requests(&view, &InspectorView::sampleSetRequested);
    InspectorIndex index;
    index.runId = 7;
    index.sampleSets = {{1, "cpo", 50, "prompt A"},
                        {2, "cpo", 100, "prompt B"},
                        {3, "cpo", 150, "prompt A"}};
    index.checkpoints = {{"cpo", 100, "/run/cpo/step-100"}, {"cpo", 200, "/run/cpo/step-200"}};
    view.setIndex(index);
    // The first example, at its first sample set.
    QTRY_COMPARE(requests.count(), 1);
    auto request = requests.takeFirst().at(0).value<InspectorRequest>();
    QCOMPARE(request.sampleSetId, qint64(1));
    QVERIFY(!request.checkpoint);
    // Stops: 50 (set 1), 100 (set 1 under the checkpoint), 150 (set 3), 200 (checkpoint).
    QCOMPARE(view.stops().size(), std::size_t(4));
    view.stepSlider()->setValue(1);
    QTRY_COMPARE(requests.count(), 1);
    request = requests.takeFirst().at(0).value<InspectorRequest>();
    QCOMPARE(request.sampleSetId, qint64(1));
    QVERIFY(request.checkpoint);
    QCOMPARE(request.checkpoint->step, qint64(100));
    view.stepSlider()->setValue(2); // the same example's next sample set, not prompt B's
    QTRY_COMPARE(requests.count(), 1);
    request = requests.takeFirst().at(0).value<InspectorRequest>();
    QCOMPARE(request.sampleSetId, qint64(3));
    QVERIFY(!request.checkpoint);
}

void TestInspector::arrowKeysMoveTheSlider()
{
    InspectorView view;
    InspectorIndex index;
    index.runId = 7;
    index.sampleSets = {{1, "cpo", 50, "prompt A"}, {3, "cpo", 150, "prompt A"}};
    view.setIndex(index);
    QCOMPARE(view.stepSlider()->value(), 0);
    QTest::keyClick(&view, Qt::Key_Right);
    QCOMPARE(view.stepSlider()->value(), 1);
    QTest::keyClick(&view, Qt::Key_Left);
    QCOMPARE(view.stepSlider()->value(), 0);
}

void TestInspector::modelPassesTheTester()
{
    CandidateTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSampleSet(sampleSet());
    model.setSortedByReward(true);
    model.setSampleSet(sampleSet(2, 100));
    model.setSampleSet({});
    QCOMPARE(model.columnCount(), 0);
}

void TestInspector::scoresUnderACheckpointAreKept()
{
    QTemporaryDir dir;
    store::RunStore runs(dir.filePath(QStringLiteral("runs.sqlite")).toStdString());
    store::RunRecord run;
    run.name = "scored";
    // Built, then moved in: assigning the literal goes through std::string's check that the
    // source is not its own buffer, where GCC 12 reads the record's (not yet written) bytes
    // and warns -Wmaybe-uninitialized.
    run.experimentJson = std::string("{}");
    auto set = sampleSet().set;
    set.runId = runs.createRun(run);
    set.id = runs.insertSampleSet(set);
    store::CandidateScoreStore scores(runs.database());
    QVERIFY(scores.read(set.id, "cpo", 100).empty()); // never scored: the scorer computes
    std::vector<store::CandidateScoreRecord> records;
    for (const auto& c : set.candidates)
        records.push_back({set.id, c.idx, "cpo", 100, c.logpTheta, c.logpRef, 0.5 * c.idx, 0});
    scores.put(records);
    records[1].reward = 9.0; // scored again: replaced, not duplicated
    scores.put(records);
    const auto back = scores.read(set.id, "cpo", 100);
    QCOMPARE(back.size(), set.candidates.size());
    QCOMPARE(back[1].reward, 9.0);
    QCOMPARE(back[2].logpTheta, set.candidates[2].logpTheta);
    QVERIFY(scores.read(set.id, "cpo", 200).empty()); // another checkpoint
    runs.deleteRun(set.runId); // the scores go with their sample set
    QVERIFY(scores.read(set.id, "cpo", 100).empty());
}

QTEST_MAIN(TestInspector)
#include "tst_inspector.moc"
