// The α-sweep view: one point per stored α with its interval, runs overlaid, a click on a
// point asking for its generations, and the sweep launcher's α list.
#include "alpha/alpha_generations_model.h"
#include "alpha/alpha_sweep_view.h"
#include "engine/alpha_oracle_values.h"
#include "dashboard/qcustomplot_include.h"

#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QProgressBar>
#include <QtWidgets/QPushButton>

using namespace cpo;
using namespace cpo::ui;

namespace {

AlphaCurve curve(qint64 runId, std::vector<double> rates)
{
    AlphaCurve c;
    c.runId = runId;
    c.label = QStringLiteral("run #%1").arg(runId);
    c.sweep.runId = runId;
    c.sweep.judge = "oracle";
    for (std::size_t i = 0; i < rates.size(); ++i) {
        store::AlphaPointRecord p;
        p.alpha = static_cast<double>(i) / static_cast<double>(rates.size() - 1);
        p.evaluationId = 100 * runId + static_cast<qint64>(i);
        p.winRate = rates[i];
        p.ciLow = rates[i] - 0.1;
        p.ciHigh = rates[i] + 0.05;
        c.sweep.points.push_back(p);
    }
    return c;
}

store::GenerationRecord generation(const char* hash, const char* text, const char* verdict)
{
    store::GenerationRecord g;
    g.exampleHash = hash;
    g.prompt = std::string("prompt ") + hash;
    g.reference = std::string("truth ") + hash;
    g.text = text;
    g.verdict = std::string(verdict);
    return g;
}

} // namespace

class TestAlpha : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void plotsOnePointPerAlphaWithItsInterval();
    void overlaysRuns();
    void emptyPlotKeepsItsWidth();
    void fitsBesideTheSetupForm();
    void readsQualityAndCoveragePerAlpha();
    void plotsQualityAndCoverageOnTheSecondAxis();
    void clickingAPointAsksForItsGenerations();
    void generationsJoinOnTheExample();
    void launchParsesTheAlphaList();
    void cancelIsAskedOnceAndTheEndShown();
    void modelPassesTheTester();
};

void TestAlpha::plotsOnePointPerAlphaWithItsInterval()
{
    AlphaSweepView view;
    view.setCurves({curve(1, {0.40, 0.55, 0.50})});
    auto* rate = view.rateGraph(0);
    QCOMPARE(rate->dataCount(), 3);
    QCOMPARE(rate->data()->at(1)->key, 0.5);
    QCOMPARE(rate->data()->at(1)->value, 0.55);
    QCOMPARE(view.bandGraph(0, false)->data()->at(1)->value, 0.45);
    QCOMPARE(view.bandGraph(0, true)->data()->at(1)->value, 0.60);
    // The best α is marked.
    QCOMPARE(view.plot()->itemCount(), 1);
    auto* star = qobject_cast<QCPItemText*>(view.plot()->item(0));
    QVERIFY(star && star->text().contains(QStringLiteral("best α 0.5")));
}

void TestAlpha::overlaysRuns()
{
    AlphaSweepView view;
    view.setCurves({curve(1, {0.4, 0.5}), curve(2, {0.6, 0.3})});
    QCOMPARE(view.plot()->graphCount(), 6); // per run: band low, band high, win rate
    QCOMPARE(view.rateGraph(1)->data()->at(0)->value, 0.6);
    QCOMPARE(view.plot()->legend->itemCount(), 2);
}

// Before any sweep (an empty legend under the plot) the axes still span the plot.
void TestAlpha::emptyPlotKeepsItsWidth()
{
    AlphaSweepView view;
    view.resize(1000, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setCurves({});
    view.plot()->replot();
    QVERIFY2(view.plot()->axisRect()->width() > view.plot()->width() / 2,
             qPrintable(QStringLiteral("axis rect %1 px wide in a %2 px plot")
                            .arg(view.plot()->axisRect()->width())
                            .arg(view.plot()->width())));
    view.setCurves({curve(1, {0.4, 0.5})});
    view.plot()->replot();
    QVERIFY(view.plot()->axisRect()->width() > view.plot()->width() / 2);
}

// The app docks the view beside the setup form: the two must fit a 1366-px laptop screen,
// however long the legend under the plot (two runs, each with quality and coverage).
void TestAlpha::fitsBesideTheSetupForm()
{
    AlphaSweepView view;
    AlphaCurves curves{curve(1, {0.4, 0.5}), curve(2, {0.6, 0.3})};
    for (auto& c : curves) {
        c.label = QStringLiteral("demo-oracle with a longer name #%1").arg(c.runId);
        c.oracle.resize(c.sweep.points.size());
        for (auto& values : c.oracle) {
            values.quality = 6.7;
            values.coverage = 3.4;
        }
    }
    view.setCurves(curves);
    QCOMPARE(view.plot()->legend->itemCount(), 6);
    const int width = view.minimumSizeHint().width();
    QVERIFY2(width <= 700, qPrintable(QStringLiteral("%1 px").arg(width)));
}

// Each α's evaluation summary holds its quality and coverage (stored by the evaluator on the
// oracle task); a point without an evaluation, or a summary without them, reads as empty.
void TestAlpha::readsQualityAndCoveragePerAlpha()
{
    const auto sweep = curve(1, {0.4, 0.5, 0.45}).sweep; // evaluations 100, 101, 102
    std::vector<store::EvaluationRecord> evaluations(3);
    evaluations[0].id = 102;
    evaluations[0].summaryJson = R"({"win_rate": 0.45, "sample_teacher_nll": 2.5,
                                     "heldout_nll": 1.9})";
    evaluations[1].id = 100;
    evaluations[1].summaryJson = R"({"win_rate": 0.4, "sample_teacher_nll": 2.25,
                                     "heldout_nll": 1.95})";
    evaluations[2].id = 101;
    evaluations[2].summaryJson = R"({"win_rate": 0.5})"; // stored without the oracle task
    const auto values = engine::alphaOracleValues(sweep, evaluations);
    QCOMPARE(values.size(), std::size_t{3});
    QCOMPARE(values[0].quality.value_or(-1), 2.25);
    QCOMPARE(values[0].coverage.value_or(-1), 1.95);
    QVERIFY(!values[1].quality && !values[1].coverage);
    QCOMPARE(values[2].quality.value_or(-1), 2.5);
    QCOMPARE(values[2].coverage.value_or(-1), 1.9);
}

// One quality and one coverage point per α, on the second y axis, beside the win rates.
void TestAlpha::plotsQualityAndCoverageOnTheSecondAxis()
{
    AlphaSweepView view;
    auto withOracle = curve(1, {0.40, 0.55, 0.50});
    withOracle.oracle = {{2.40, 1.95}, {2.35, 1.93}, {2.41, 1.94}};
    view.setCurves({withOracle, curve(2, {0.3, 0.6})});
    auto* quality = view.qualityGraph(0);
    auto* coverage = view.coverageGraph(0);
    QVERIFY(quality && coverage);
    QCOMPARE(quality->dataCount(), 3);
    QCOMPARE(coverage->dataCount(), 3);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(quality->data()->at(i)->key, withOracle.sweep.points[i].alpha);
        QCOMPARE(quality->data()->at(i)->value, *withOracle.oracle[i].quality);
        QCOMPARE(coverage->data()->at(i)->value, *withOracle.oracle[i].coverage);
    }
    QCOMPARE(quality->valueAxis(), view.plot()->yAxis2);
    QVERIFY(view.plot()->yAxis2->visible());
    QVERIFY(view.plot()->yAxis2->range().contains(1.93));
    QVERIFY(view.plot()->yAxis2->range().contains(2.41));
    // A sweep stored without them draws no such graph.
    QVERIFY(!view.qualityGraph(1) && !view.coverageGraph(1));
    view.setCurves({curve(2, {0.3, 0.6})});
    QVERIFY(!view.plot()->yAxis2->visible());
}

void TestAlpha::clickingAPointAsksForItsGenerations()
{
    AlphaSweepView view;
    view.resize(900, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setCurves({curve(1, {0.40, 0.55, 0.50})});
    QSignalSpy requests(&view, &AlphaSweepView::generationsRequested);
    auto* plot = view.plot();
    plot->replot();
    const QPoint at(qRound(plot->xAxis->coordToPixel(1.0)),
                    qRound(plot->yAxis->coordToPixel(0.50)));
    QTest::mouseClick(plot, Qt::LeftButton, {}, at);
    QCOMPARE(requests.count(), 1);
    const auto args = requests.takeFirst();
    QCOMPARE(args.at(0).toLongLong(), qint64(102)); // α = 1's evaluation
    QCOMPARE(args.at(1).toDouble(), 1.0);
    QCOMPARE(args.at(2).toLongLong(), qint64(101)); // beside the best α, 0.5
    QCOMPARE(args.at(3).toDouble(), 0.5);
}

void TestAlpha::generationsJoinOnTheExample()
{
    AlphaSweepView view;
    AlphaGenerations g;
    g.alpha = 1.0;
    g.otherAlpha = 0.5;
    g.shown = {generation("a", "one", "win"), generation("b", "two", "loss")};
    g.other = {generation("b", "deux", "tie"), generation("a", "un", "loss")};
    view.showGenerations(g);
    auto* model = view.generationsModel();
    QCOMPARE(model->rowCount(), 2);
    QCOMPARE(model->index(0, AlphaGenerationsModel::GroundTruth).data().toString(),
             QStringLiteral("truth a"));
    QCOMPARE(model->index(0, AlphaGenerationsModel::Shown).data().toString(),
             QStringLiteral("[win] one"));
    QCOMPARE(model->index(0, AlphaGenerationsModel::Other).data().toString(),
             QStringLiteral("[loss] un"));
    QCOMPARE(model->headerData(AlphaGenerationsModel::Other, Qt::Horizontal).toString(),
             QStringLiteral("α = 0.5"));
}

void TestAlpha::launchParsesTheAlphaList()
{
    AlphaSweepView view;
    QSignalSpy launches(&view, &AlphaSweepView::sweepRequested);
    auto* alphas = view.findChildren<QLineEdit*>().at(0);
    QPushButton* start = nullptr;
    for (auto* button : view.findChildren<QPushButton*>())
        if (button->text() == QStringLiteral("Run sweep"))
            start = button;
    QVERIFY(start);
    alphas->setText(QStringLiteral("0, 1.5"));
    start->click();
    QCOMPARE(launches.count(), 0); // 1.5 is no weight
    alphas->setText(QStringLiteral("0, 0.5,1"));
    start->click();
    QCOMPARE(launches.count(), 1);
    const auto launch = launches.takeFirst().at(0).value<AlphaSweepLaunch>();
    QCOMPARE(launch.alphas, (QList<double>{0.0, 0.5, 1.0}));
    QVERIFY(!start->isEnabled()); // until the sweep ends
    view.sweepEnded(QStringLiteral("done"));
    QVERIFY(start->isEnabled());
}

// Cancel asks the worker once and says what it waits for; the worker's answer (how many α
// were finished and stored) is shown, the progress bar stays where the sweep stopped, and a
// new sweep can start.
void TestAlpha::cancelIsAskedOnceAndTheEndShown()
{
    AlphaSweepView view;
    QSignalSpy cancels(&view, &AlphaSweepView::cancelRequested);
    QPushButton* start = nullptr;
    QPushButton* cancel = nullptr;
    for (auto* button : view.findChildren<QPushButton*>()) {
        if (button->text() == QStringLiteral("Run sweep"))
            start = button;
        if (button->text() == QStringLiteral("Cancel"))
            cancel = button;
    }
    QVERIFY(start && cancel);
    QVERIFY(!cancel->isEnabled());
    auto* progress = view.findChild<QProgressBar*>();
    QVERIFY(progress);
    QVERIFY(progress->isHidden()); // no empty bar before a sweep
    start->click();
    QVERIFY(cancel->isEnabled());
    QVERIFY(!progress->isHidden());
    view.setSweepProgress(2, 5);
    cancel->click();
    QCOMPARE(cancels.count(), 1);
    QVERIFY(!cancel->isEnabled()); // asked once
    const auto labelsSay = [&view](const QString& text) {
        for (const auto* label : view.findChildren<QLabel*>())
            if (label->text().contains(text))
                return true;
        return false;
    };
    QVERIFY(labelsSay(QStringLiteral("Cancelling after the α being evaluated")));
    view.sweepEnded(QStringLiteral("Sweep cancelled after 3 of 5 α: those 3 stored"));
    QVERIFY(labelsSay(QStringLiteral("Sweep cancelled after 3 of 5 α")));
    QVERIFY(start->isEnabled() && !cancel->isEnabled());
    QCOMPARE(progress->value(), 2);
}

void TestAlpha::modelPassesTheTester()
{
    AlphaGenerationsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    AlphaGenerations g;
    g.shown = {generation("a", "one", "win")};
    model.setGenerations(g);
    model.setGenerations({});
    QCOMPARE(model.rowCount(), 0);
}

QTEST_MAIN(TestAlpha)
#include "tst_alpha.moc"
