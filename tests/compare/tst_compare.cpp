// Run comparison: only the experiment fields that differ, each run's final win rates, and
// one metric of every run overlaid.
#include "compare/compare_view.h"
#include "compare/difference_table_model.h"
#include "dashboard/qcustomplot_include.h"
#include "engine/run_comparison.h"

#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace cpo;
using namespace cpo::ui;

class TestCompare : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void onlyDifferingFields();
    void viewShowsDifferencesWinRatesAndCurves();
    void modelPassesTheTester();
};

void TestCompare::onlyDifferingFields()
{
    const std::vector<std::string> experiments{
        R"({"name": "a", "seed": 1, "cpo": {"beta": 5.0, "sampler": "mix"}})",
        R"(// a comment is fine
        {"name": "a", "seed": 1, "cpo": {"beta": 0.5, "sampler": "mix", "k": 8}})"};
    const auto differences = engine::experimentDifferences(experiments);
    QCOMPARE(differences.size(), std::size_t(2));
    QCOMPARE(differences[0].path, std::string("cpo.beta"));
    QCOMPARE(differences[0].values, (std::vector<std::string>{"5.0", "0.5"}));
    QCOMPARE(differences[1].path, std::string("cpo.k"));
    QCOMPARE(differences[1].values, (std::vector<std::string>{"", "8"}));
    QVERIFY_THROWS_EXCEPTION(std::exception, engine::experimentDifferences(
                                                 std::vector<std::string>{"{", "{}"}));
}

void TestCompare::viewShowsDifferencesWinRatesAndCurves()
{
    CompareView view;
    QVERIFY(!view.plot()->legend->visible()); // no runs to name yet: no empty frame
    QSignalSpy requests(&view, &CompareView::seriesRequested);
    RunComparison comparison;
    comparison.runIds = {3, 4};
    comparison.names = {QStringLiteral("an #3"), QStringLiteral("bn #4")};
    comparison.differences = {{"cpo.sampler", {"\"an\"", "\"bn\""}}};
    comparison.winRates = {{{"cpo", "oracle", 300, 0.61, 0.55, 0.67, 200}}, {}};
    comparison.seriesKeys = {QStringLiteral("cpo/accuracy"), QStringLiteral("cpo/loss")};
    view.setComparison(comparison);
    QCOMPARE(view.differenceModel()->rowCount(), 1);
    QCOMPARE(view.differenceModel()->headerData(0, Qt::Vertical).toString(),
             QStringLiteral("cpo.sampler"));
    QCOMPARE(view.differenceModel()->index(0, 1).data().toString(), QStringLiteral("\"bn\""));
    QVERIFY(view.winRatesText().contains(QStringLiteral("0.610 [0.55, 0.67]")));
    QVERIFY(view.winRatesText().contains(QStringLiteral("not evaluated")));
    QCOMPARE(requests.count(), 1); // CPO's loss first
    QCOMPARE(requests.at(0).at(1).toString(), QStringLiteral("cpo/loss"));

    ComparedSeries series;
    series.key = QStringLiteral("cpo/loss");
    series.runIds = {3, 4};
    series.series = {{{1, 2, 3}, {0.9, 0.8, 0.7}}, {{1, 2}, {1.0, 0.95}}};
    view.setSeries(series);
    QCOMPARE(view.plot()->graphCount(), 2);
    QCOMPARE(view.plot()->graph(1)->dataCount(), 2);
    QCOMPARE(view.plot()->graph(1)->name(), QStringLiteral("bn #4"));
    QVERIFY(view.plot()->legend->visible());
}

void TestCompare::modelPassesTheTester()
{
    DifferenceTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    RunComparison comparison;
    comparison.names = {QStringLiteral("a"), QStringLiteral("b")};
    comparison.differences = {{"seed", {"1", "2"}}};
    model.setComparison(comparison);
    model.setComparison({});
    QCOMPARE(model.rowCount(), 0);
}

QTEST_MAIN(TestCompare)
#include "tst_compare.moc"
