// Win rates, their intervals, the length-controlled rate and judge agreement, against values
// worked out by hand (Wilson 1927's formula; the κ table from Cohen's textbook example).

#include "eval/win_rate.h"
#include "util/error.h"

#include <QtTest>

#include <cmath>
#include <vector>

using namespace cpo::eval;

class TestWinRate : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void wilsonInterval_data();
    void wilsonInterval();
    void noComparisonsKnowNothing();
    void lengthControlUndoesALengthBias();
    void lengthControlReadsTheFitAtZero();
    void lengthControlWithoutSpreadIsTheMean();
    void perCategoryRates();
    void cohensKappaOnAHandMadeTable();
    void cohensKappaRefusesMismatchedLists();
};

void TestWinRate::wilsonInterval_data()
{
    QTest::addColumn<int>("wins");
    QTest::addColumn<int>("ties");
    QTest::addColumn<int>("losses");
    QTest::addColumn<double>("rate");
    QTest::addColumn<double>("low");
    QTest::addColumn<double>("high");
    // Values from the formula worked by hand (z = 1.96), to 4 decimals.
    QTest::newRow("7 of 10") << 7 << 0 << 3 << 0.7 << 0.3968 << 0.8922;
    QTest::newRow("0 of 10") << 0 << 0 << 10 << 0.0 << 0.0 << 0.2775;
    QTest::newRow("2 ties of 4") << 1 << 2 << 1 << 0.5 << 0.1500 << 0.8500;
    QTest::newRow("2 wins 2 ties 1 loss") << 2 << 2 << 1 << 0.6 << 0.2307 << 0.8824;
}

void TestWinRate::wilsonInterval()
{
    QFETCH(int, wins);
    QFETCH(int, ties);
    QFETCH(int, losses);
    QFETCH(double, rate);
    QFETCH(double, low);
    QFETCH(double, high);
    const auto result = winRate(Tally{wins, ties, losses});
    QCOMPARE(result.n, wins + ties + losses);
    QVERIFY(std::abs(result.rate - rate) < 1e-12);
    QVERIFY2(std::abs(result.ciLow - low) < 1e-4, qPrintable(QString::number(result.ciLow)));
    QVERIFY2(std::abs(result.ciHigh - high) < 1e-4, qPrintable(QString::number(result.ciHigh)));
}

void TestWinRate::noComparisonsKnowNothing()
{
    const auto result = winRate(Tally{});
    QCOMPARE(result.n, 0);
    QCOMPARE(result.rate, 0.5);
    QCOMPARE(result.ciLow, 0.0);
    QCOMPARE(result.ciHigh, 1.0);
}

// A model that wins only by writing longer: 3 of 4 wins when 10 tokens longer, 1 of 4 when
// 10 shorter, 1 of 2 at equal length. At zero length difference its outcome is a coin flip,
// and stays one when more of its answers are long (which lifts the raw rate).
void TestWinRate::lengthControlUndoesALengthBias()
{
    std::vector<LengthOutcome> data;
    auto add = [&](double outcome, double difference, int times) {
        for (int i = 0; i < times; ++i)
            data.push_back({outcome, difference});
    };
    add(1.0, 10.0, 3);
    add(0.0, 10.0, 1);
    add(1.0, -10.0, 1);
    add(0.0, -10.0, 3);
    add(1.0, 0.0, 1);
    add(0.0, 0.0, 1);
    // Symmetric design: b0 = 0 exactly.
    QVERIFY(std::abs(lengthControlledWinRate(data) - 0.5) < 1e-4);
    // Twice as many long answers: raw rate rises to 8/14 = 0.571, the controlled one stays.
    add(1.0, 10.0, 3);
    add(0.0, 10.0, 1);
    double raw = 0.0;
    for (const auto& item : data)
        raw += item.outcome / static_cast<double>(data.size());
    QVERIFY(raw > 0.55);
    QVERIFY2(std::abs(lengthControlledWinRate(data) - 0.5) < 1e-3,
             qPrintable(QString::number(lengthControlledWinRate(data))));
}

// Two length differences make the model saturated: the fit reproduces the rates 0.9 at +5 and
// 0.5 at −5, so b0 + b1 = logit 0.9 and b0 − b1 = 0, and σ(b0) = σ(ln 9 / 2) = 3/4 exactly.
void TestWinRate::lengthControlReadsTheFitAtZero()
{
    std::vector<LengthOutcome> data;
    for (int i = 0; i < 9; ++i)
        data.push_back({1.0, 5.0});
    data.push_back({0.0, 5.0});
    for (int i = 0; i < 5; ++i) {
        data.push_back({1.0, -5.0});
        data.push_back({0.0, -5.0});
    }
    const double rate = lengthControlledWinRate(data);
    QVERIFY2(std::abs(rate - 0.75) < 1e-3, qPrintable(QString::number(rate)));
    // Ties count half, as in the plain rate: two ties where a win and a loss were.
    data[9] = {0.5, 5.0};
    data[8] = {0.5, 5.0};
    QVERIFY2(std::abs(lengthControlledWinRate(data) - 0.75) < 1e-3,
             qPrintable(QString::number(lengthControlledWinRate(data))));
}

void TestWinRate::lengthControlWithoutSpreadIsTheMean()
{
    const std::vector<LengthOutcome> data{{1.0, 2.0}, {0.5, 2.0}, {0.0, 2.0}, {1.0, 2.0}};
    QCOMPARE(lengthControlledWinRate(data), 0.625);
    QCOMPARE(lengthControlledWinRate({}), 0.5);
}

void TestWinRate::perCategoryRates()
{
    const std::vector<std::string> categories{"qa", "qa", "summary", "qa"};
    const std::vector<Verdict> verdicts{Verdict::Win, Verdict::Tie, Verdict::Loss, Verdict::Win};
    const auto rates = perCategory(categories, verdicts);
    QCOMPARE(rates.size(), std::size_t(2));
    QCOMPARE(rates.at("qa").n, 3);
    QVERIFY(std::abs(rates.at("qa").rate - 2.5 / 3.0) < 1e-12);
    QCOMPARE(rates.at("summary").rate, 0.0);
}

// 50 items: both say yes 20, first yes second no 5, first no second yes 10, both no 15.
// p_o = 35/50 = 0.7; p_e = 0.5·0.6 + 0.5·0.4 = 0.5; κ = 0.2 / 0.5 = 0.4.
void TestWinRate::cohensKappaOnAHandMadeTable()
{
    std::vector<int> first, second;
    auto add = [&](int a, int b, int times) {
        for (int i = 0; i < times; ++i) {
            first.push_back(a);
            second.push_back(b);
        }
    };
    add(1, 1, 20);
    add(1, 0, 5);
    add(0, 1, 10);
    add(0, 0, 15);
    QVERIFY(std::abs(cohensKappa(first, second) - 0.4) < 1e-12);
    QCOMPARE(cohensKappa(first, first), 1.0);
    // Three labels (A, B, tie), perfectly opposed on A/B: below chance.
    const std::vector<int> a{0, 1, 0, 1, 2};
    const std::vector<int> b{1, 0, 1, 0, 2};
    QVERIFY(cohensKappa(a, b) < 0.0);
}

void TestWinRate::cohensKappaRefusesMismatchedLists()
{
    const std::vector<int> three{0, 1, 2};
    const std::vector<int> two{0, 1};
    QVERIFY_THROWS_EXCEPTION(cpo::Error, cohensKappa(three, two));
    QVERIFY_THROWS_EXCEPTION(cpo::Error, cohensKappa({}, {}));
}

QTEST_APPLESS_MAIN(TestWinRate)
#include "tst_winrate.moc"
