// The live dashboard: what the plots hold after appends, how the x axes place phases and
// clocks, smoothing math, coalesced redraws and CSV export.

#include "dashboard/dashboard_view.h"
#include "dashboard/metric_families.h"
#include "dashboard/metric_plot.h"
#include "dashboard/run_event_points.h"
#include "dashboard/smoothing.h"
#include "dashboard/stored_series_loader.h"
#include "store/evaluation_store.h"
#include "store/run_store.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTextStream>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <cmath>
#include <numeric>

using namespace cpo::ui;

namespace {

std::vector<std::int64_t> stepsFrom(std::int64_t first, std::int64_t count)
{
    std::vector<std::int64_t> steps(static_cast<std::size_t>(count));
    std::iota(steps.begin(), steps.end(), first);
    return steps;
}

QCPGraph* rawGraph(DashboardView& view, std::int64_t run, const QString& key)
{
    const auto place = curvePlace(key);
    auto* curve = view.plot(place->family)->findCurve(run, place->curve);
    return curve ? curve->raw : nullptr;
}

QCPGraph* smoothGraph(DashboardView& view, std::int64_t run, const QString& key)
{
    const auto place = curvePlace(key);
    auto* curve = view.plot(place->family)->findCurve(run, place->curve);
    return curve ? curve->smooth : nullptr;
}

// What a graph holds; empty when there is no such graph.
QVector<QPair<double, double>> points(const QCPGraph* graph)
{
    QVector<QPair<double, double>> out;
    if (!graph)
        return out;
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it)
        out.append({it->key, it->value});
    return out;
}

QString graphName(const QCPGraph* graph) { return graph ? graph->name() : QString(); }

} // namespace

class TestDashboard : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everyFamilyHasAPlot()
    {
        DashboardView view;
        QCOMPARE(view.plotCount(), metricFamilies().size());
        for (const char* key : {"mle/loss", "cpo/loss", "mle/val_loss", "cpo/reward_y1",
                                "cpo/an/reward", "cpo/margin", "cpo/accuracy", "cpo/kendall_tau",
                                "cpo/spearman_rho", "cpo/logp_theta_y1", "cpo/logp_ref_y1",
                                "mle/grad_norm", "cpo/lr", "cpo/tokens_per_s"})
            QVERIFY2(curvePlace(QString::fromLatin1(key)), key);
        QVERIFY(!curvePlace(QStringLiteral("mle/tokens")));
    }

    void graphHoldsExactlyTheAppendedPoints()
    {
        DashboardView view;
        const auto steps = stepsFrom(1, 1000);
        std::vector<double> values(steps.size());
        for (std::size_t i = 0; i < values.size(); ++i)
            values[i] = 5.0 / (1.0 + static_cast<double>(i));
        // In chunks, as live events bring them.
        for (std::size_t from = 0; from < steps.size(); from += 137) {
            const auto n = std::min<std::size_t>(137, steps.size() - from);
            view.appendPoints(7, QStringLiteral("mle/loss"), {steps.data() + from, n},
                              {values.data() + from, n});
        }
        const auto held = points(rawGraph(view, 7, QStringLiteral("mle/loss")));
        QCOMPARE(held.size(), 1000);
        for (int i = 0; i < held.size(); ++i) {
            QCOMPARE(held[i].first, static_cast<double>(steps[std::size_t(i)]));
            QCOMPARE(held[i].second, values[std::size_t(i)]);
        }
        QCOMPARE(points(smoothGraph(view, 7, QStringLiteral("mle/loss"))).size(), 1000);
    }

    void emaIsBiasCorrected()
    {
        // w = 0.5 on 1, 2, 3: biased averages 0.5, 1.25, 2.125, divided by 1 − 0.5^n
        // (0.5, 0.75, 0.875) → 1, 5/3, 17/7.
        const auto out = smoothed({1.0, 2.0, 3.0}, {SmoothingKind::Ema, 0.5, 1});
        QCOMPARE(out.size(), std::size_t(3));
        QCOMPARE(out[0], 1.0);
        QVERIFY(std::abs(out[1] - 5.0 / 3.0) < 1e-12);
        QVERIFY(std::abs(out[2] - 17.0 / 7.0) < 1e-12);
        // A constant series stays constant from its first point (no pull towards zero).
        const std::vector<double> constant(50, 4.0);
        for (const double v : smoothed(constant, {SmoothingKind::Ema, 0.99, 1}))
            QVERIFY(std::abs(v - 4.0) < 1e-9);
    }

    void movingAverageAndNonFinitePoints()
    {
        const auto ma = smoothed({1.0, 2.0, 3.0, 5.0}, {SmoothingKind::MovingAverage, 0.0, 2});
        QCOMPARE(ma, (std::vector<double>{1.0, 1.5, 2.5, 4.0}));
        const double nan = std::nan("");
        const auto ema = smoothed({2.0, nan, 2.0}, {SmoothingKind::Ema, 0.9, 1});
        QVERIFY(std::isnan(ema[1]));
        QVERIFY(std::abs(ema[2] - 2.0) < 1e-12); // the NaN did not enter the average
    }

    void smoothedGraphHoldsTheEma()
    {
        DashboardView view;
        view.setSmoothing({SmoothingKind::Ema, 0.5, 1});
        const std::vector<std::int64_t> steps{1, 2, 3};
        const std::vector<double> values{1.0, 2.0, 3.0};
        view.appendPoints(1, QStringLiteral("cpo/accuracy"), steps, values);
        const auto smooth = points(smoothGraph(view, 1, QStringLiteral("cpo/accuracy")));
        QCOMPARE(smooth.size(), 3);
        QVERIFY(std::abs(smooth[2].second - 17.0 / 7.0) < 1e-12);
        // Switching to no smoothing hides the copy and shows the raw curve at full strength.
        view.setSmoothing({SmoothingKind::None, 0.5, 1});
        const QCPGraph* smoothCopy = smoothGraph(view, 1, QStringLiteral("cpo/accuracy"));
        const QCPGraph* raw = rawGraph(view, 1, QStringLiteral("cpo/accuracy"));
        QVERIFY(smoothCopy && raw);
        QVERIFY(!smoothCopy->visible());
        QCOMPARE(raw->pen().color().alpha(), 255);
    }

    void cpoStepsContinueWhereMleEnded()
    {
        DashboardView view;
        const auto mle = stepsFrom(1, 10);
        const auto cpo = stepsFrom(1, 5);
        view.appendPoints(1, QStringLiteral("mle/loss"), mle, std::vector<double>(10, 2.0));
        view.appendPoints(1, QStringLiteral("cpo/loss"), cpo, std::vector<double>(5, 1.0));
        const auto held = points(rawGraph(view, 1, QStringLiteral("cpo/loss")));
        QCOMPARE(held.first().first, 11.0);
        QCOMPARE(held.last().first, 15.0);
        // Read from the store in the other order, the MLE series arrives last: the CPO
        // curve moves to where MLE ends.
        DashboardView stored;
        stored.appendPoints(2, QStringLiteral("cpo/loss"), cpo, std::vector<double>(5, 1.0));
        stored.appendPoints(2, QStringLiteral("mle/loss"), mle, std::vector<double>(10, 2.0));
        QCOMPARE(points(rawGraph(stored, 2, QStringLiteral("cpo/loss"))).first().first, 11.0);
    }

    void tokensAndWallTimeAxesUseThePhaseClocks()
    {
        DashboardView view;
        view.setXAxis(XAxis::Tokens);
        const std::vector<std::int64_t> steps{1, 2, 3};
        // The values come before their clock: they wait for it.
        view.appendPoints(1, QStringLiteral("mle/loss"), steps, std::vector<double>{3, 2, 1});
        QVERIFY(points(rawGraph(view, 1, QStringLiteral("mle/loss"))).isEmpty());
        view.appendPoints(1, QStringLiteral("mle/tokens"), steps,
                          std::vector<double>{100, 200, 300});
        view.appendPoints(1, QStringLiteral("mle/elapsed_s"), steps,
                          std::vector<double>{0.5, 1.0, 1.5});
        auto held = points(rawGraph(view, 1, QStringLiteral("mle/loss")));
        QCOMPARE(held.size(), 3);
        QCOMPARE(held[1], qMakePair(200.0, 2.0));
        view.appendPoints(1, QStringLiteral("cpo/tokens"), {steps.data(), 1},
                          std::vector<double>{50});
        view.appendPoints(1, QStringLiteral("cpo/elapsed_s"), {steps.data(), 1},
                          std::vector<double>{2.0});
        view.appendPoints(1, QStringLiteral("cpo/loss"), {steps.data(), 1},
                          std::vector<double>{0.7});
        QCOMPARE(points(rawGraph(view, 1, QStringLiteral("cpo/loss"))).first().first, 350.0);
        view.setXAxis(XAxis::WallTime);
        held = points(rawGraph(view, 1, QStringLiteral("mle/loss")));
        QCOMPARE(held.last().first, 1.5);
        QCOMPARE(points(rawGraph(view, 1, QStringLiteral("cpo/loss"))).first().first, 3.5);
    }

    void redrawsAreCoalesced()
    {
        DashboardView view;
        view.resize(1000, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy redrawn(&view, &DashboardView::redrawn);
        // A burst without the event loop: nothing is redrawn yet, then exactly once.
        for (std::int64_t step = 1; step <= 10000; ++step) {
            const double value = 1.0 / static_cast<double>(step);
            view.appendPoints(1, QStringLiteral("mle/loss"), {&step, 1}, {&value, 1});
        }
        QCOMPARE(redrawn.count(), 0);
        QVERIFY(redrawn.wait(1000));
        QCOMPARE(redrawn.count(), 1);
        // A steady stream with the event loop running: at most one redraw per interval.
        redrawn.clear();
        QElapsedTimer clock;
        clock.start();
        std::int64_t step = 10001;
        while (clock.elapsed() < 600) {
            for (int i = 0; i < 20; ++i, ++step) {
                const double value = 1.0 / static_cast<double>(step);
                view.appendPoints(1, QStringLiteral("mle/loss"), {&step, 1}, {&value, 1});
            }
            QCoreApplication::processEvents();
        }
        const qint64 elapsed = clock.elapsed();
        QVERIFY2(redrawn.count() <= elapsed / DashboardView::kRedrawIntervalMs + 2,
                 qPrintable(QStringLiteral("%1 redraws in %2 ms").arg(redrawn.count())
                                .arg(elapsed)));
        QVERIFY(redrawn.count() >= 3);
        QCOMPARE(points(rawGraph(view, 1, QStringLiteral("mle/loss"))).size(),
                 static_cast<int>(step - 1));
    }

    void overlaidRunsAreNamedAndDropped()
    {
        DashboardView view;
        const std::vector<std::int64_t> steps{1};
        const std::vector<double> values{1.0};
        view.setRuns({{1, QStringLiteral("baseline")}, {2, QStringLiteral("β 5")}});
        view.appendPoints(1, QStringLiteral("cpo/loss"), steps, values);
        view.appendPoints(2, QStringLiteral("cpo/loss"), steps, values);
        view.appendPoints(2, QStringLiteral("cpo/margin"), steps, values);
        QCOMPARE(graphName(rawGraph(view, 2, QStringLiteral("cpo/loss"))),
                 QStringLiteral("β 5 · CPO"));
        QCOMPARE(graphName(rawGraph(view, 2, QStringLiteral("cpo/margin"))),
                 QStringLiteral("β 5"));
        view.setRuns({{1, QStringLiteral("baseline")}});
        QVERIFY(!view.history(2));
        QVERIFY(!rawGraph(view, 2, QStringLiteral("cpo/loss")));
        QCOMPARE(graphName(rawGraph(view, 1, QStringLiteral("cpo/loss"))), QStringLiteral("CPO"));
    }

    void logScaleSwitchesTheValueAxes()
    {
        DashboardView view;
        view.setLogScale(true);
        QCOMPARE(view.plot(0)->yAxis->scaleType(), QCPAxis::stLogarithmic);
        view.setLogScale(false);
        QCOMPARE(view.plot(0)->yAxis->scaleType(), QCPAxis::stLinear);
    }

    void csvExportHoldsEveryPoint()
    {
        DashboardView view;
        view.setRuns({{3, QStringLiteral("demo, β=5")}});
        const std::vector<std::int64_t> steps{1, 2};
        view.appendPoints(3, QStringLiteral("mle/loss"), steps, std::vector<double>{2.5, 0.1});
        view.appendPoints(3, QStringLiteral("cpo/accuracy"), {steps.data(), 1},
                          std::vector<double>{std::nan("")});
        QString all;
        QTextStream out(&all);
        view.writeCsv(out);
        out.flush();
        QCOMPARE(all, QStringLiteral("run_id,run,key,step,value\n"
                                     "3,\"demo, β=5\",cpo/accuracy,1,nan\n"
                                     "3,\"demo, β=5\",mle/loss,1,2.5\n"
                                     "3,\"demo, β=5\",mle/loss,2,0.10000000000000001\n"));
        QString lossOnly;
        QTextStream family(&lossOnly);
        view.writeCsv(family, curvePlace(QStringLiteral("mle/loss"))->family);
        family.flush();
        QVERIFY(!lossOnly.contains(QStringLiteral("accuracy")));
        QCOMPARE(lossOnly.count(QLatin1Char('\n')), 3);
    }

    void liveEventsBecomeTheStoresSeries()
    {
        RunEventPoints stream;
        cpo::train::StepMetrics mle;
        mle.step = 1;
        mle.loss = 3.0;
        mle.tokensPerSecond = 1000.0;
        mle.stepSeconds = 0.5;
        mle.elapsedSeconds = 0.5;
        const auto mlePoints = stream.points(mle);
        QStringList keys;
        for (const auto& p : mlePoints)
            keys << p.key;
        QCOMPARE(keys, (QStringList{"mle/tokens", "mle/elapsed_s", "mle/loss", "mle/lr",
                                    "mle/grad_norm", "mle/tokens_per_s"}));
        mle.step = 2;
        QCOMPARE(stream.points(mle).front().value, 1000.0); // cumulative: 500 + 500 tokens

        QVERIFY(stream.points(cpo::engine::PhaseStarted{"cpo", 300}).empty());
        cpo::train::CpoStepMetrics cpo;
        cpo.step = 1;
        cpo.accuracy = 0.75;
        cpo.strategies[size_t(cpo::train::negatives::Strategy::Mn)].negatives = 3;
        cpo.strategies[size_t(cpo::train::negatives::Strategy::Mn)].reward = -0.5;
        keys.clear();
        DashboardView view;
        for (const auto& p : stream.points(cpo)) {
            keys << p.key;
            view.appendPoints(1, p.key, {&p.step, 1}, {&p.value, 1});
        }
        for (const char* key : {"cpo/tokens", "cpo/loss", "cpo/accuracy", "cpo/kendall_tau",
                                "cpo/logp_ref_y1", "cpo/mn/reward", "cpo/mn/negatives"})
            QVERIFY2(keys.contains(QString::fromLatin1(key)), key);
        QVERIFY(!keys.contains(QStringLiteral("cpo/an/reward"))); // no AN negatives this step
        QCOMPARE(points(rawGraph(view, 1, QStringLiteral("cpo/accuracy"))),
                 (QVector<QPair<double, double>>{{1.0, 0.75}}));
        QCOMPARE(points(rawGraph(view, 1, QStringLiteral("cpo/mn/reward"))).first().second, -0.5);
    }

    void storedRunsLoadOffTheGuiThread()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("runs.sqlite"));
        std::int64_t runId = 0;
        {
            cpo::store::RunStore store(db.toStdString());
            cpo::store::RunRecord run;
            run.name = "stored";
            run.experimentJson = R"({"name": "stored"})";
            runId = store.createRun(run);
            std::vector<cpo::store::MetricPoint> metrics;
            for (std::int64_t step = 1; step <= 3; ++step)
                metrics.push_back({"cpo", step, "cpo/loss", 1.0 / double(step), 0.0});
            for (std::int64_t step = 1; step <= 500; ++step)
                metrics.push_back({"mle", step, "mle/loss", 4.0 - double(step) / 500, 0.0});
            store.appendMetrics(runId, metrics);
        }
        DashboardView view;
        StoredSeriesLoader loader(db);
        QStringList order;
        connect(&loader, &StoredSeriesLoader::runFound, &view,
                [&](qint64 id, const QString& name) { view.setRuns({{id, name}}); });
        connect(&loader, &StoredSeriesLoader::seriesLoaded, &view,
                [&](qint64 id, const QString& key, const std::vector<std::int64_t>& steps,
                    const std::vector<double>& values) {
                    order << key;
                    view.appendPoints(id, key, steps, values);
                });
        loader.loadLatest();
        QTRY_COMPARE(order.size(), 2);
        QCOMPARE(order, (QStringList{"mle/loss", "cpo/loss"}));
        QCOMPARE(points(rawGraph(view, runId, QStringLiteral("mle/loss"))).size(), 500);
        const auto cpo = points(rawGraph(view, runId, QStringLiteral("cpo/loss")));
        QCOMPARE(cpo.size(), 3);
        QCOMPARE(cpo.first(), qMakePair(501.0, 1.0));
        QCOMPARE(graphName(rawGraph(view, runId, QStringLiteral("cpo/loss"))),
                 QStringLiteral("CPO"));
    }

    void winRatesDrawWithTheirBandLiveAndStored()
    {
        // Live: an evaluation during MLE, then the final one (MLE's point at MLE's last step,
        // CPO's at CPO's; the α ensembles have no curve here).
        RunEventPoints stream;
        DashboardView live;
        const auto feed = [&](const cpo::engine::RunEvent& event) {
            for (const auto& p : stream.points(event))
                live.appendPoints(1, p.key, {&p.step, 1}, {&p.value, 1});
        };
        feed(cpo::engine::EvaluationFinished{"mle", 10, 1, {{"mle", 0.3, 0.25, 0.35, 500, "o"}}});
        feed(cpo::engine::PhaseEnded{"mle", cpo::train::PhaseOutcome::Finished, 20, 1.0, "",
                                     std::nullopt, std::nullopt});
        feed(cpo::engine::EvaluationFinished{"final", 6, 2,
                                             {{"mle", 0.4, 0.35, 0.45, 500, "o"},
                                              {"cpo", 0.5, 0.45, 0.55, 500, "o"},
                                              {"alpha=0.5", 0.6, 0.55, 0.65, 500, "o"}}});
        using Points = QVector<QPair<double, double>>;
        QCOMPARE(points(rawGraph(live, 1, QStringLiteral("mle/win_rate"))),
                 (Points{{10.0, 0.3}, {20.0, 0.4}}));
        QCOMPARE(points(rawGraph(live, 1, QStringLiteral("cpo/win_rate"))),
                 (Points{{26.0, 0.5}})); // CPO's steps continue where MLE ended
        // CPO's one final point is a marker, not a line of no length (invisible).
        QCOMPARE(rawGraph(live, 1, QStringLiteral("cpo/win_rate"))->scatterStyle().shape(),
                 QCPScatterStyle::ssDisc);
        const auto* high = rawGraph(live, 1, QStringLiteral("cpo/win_rate_high"));
        const auto* low = rawGraph(live, 1, QStringLiteral("cpo/win_rate_low"));
        QCOMPARE(points(high), (Points{{26.0, 0.55}}));
        QCOMPARE(points(low), (Points{{26.0, 0.45}}));
        QCOMPARE(high->channelFillGraph(), low); // the band is filled between its edges
        QVERIFY(high->brush().style() != Qt::NoBrush);

        // Stored: the same curves from the store's evaluations of a finished run.
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("runs.sqlite"));
        std::int64_t runId = 0;
        {
            cpo::store::RunStore store(db.toStdString());
            cpo::store::RunRecord run;
            run.name = "judged";
            run.experimentJson = R"({"name": "judged"})";
            runId = store.createRun(run);
            cpo::store::EvaluationStore evaluations(store.database());
            const auto add = [&](const char* model, std::int64_t step, const char* summary) {
                evaluations.insertEvaluation(
                    {0, runId, "test", model, std::nullopt, step, "oracle", "{}", summary, 0},
                    {});
            };
            add("mle", 20, R"({"win_rate": 0.4, "ci_low": 0.35, "ci_high": 0.45})");
            add("mle", 10, R"({"win_rate": 0.3, "ci_low": 0.25, "ci_high": 0.35})");
            add("cpo", 6, R"({"win_rate": 0.5, "ci_low": 0.45, "ci_high": 0.55})");
            add("alpha=0.5", 6, R"({"win_rate": 0.6, "ci_low": 0.55, "ci_high": 0.65})");
            add("cpo", 7, "{}"); // generations stored unjudged (human votes to come)
            std::vector<cpo::store::MetricPoint> metrics{{"mle", 20, "mle/loss", 1.0, 0.0}};
            store.appendMetrics(runId, metrics);
        }
        DashboardView view;
        StoredSeriesLoader loader(db);
        QStringList keys;
        connect(&loader, &StoredSeriesLoader::runFound, &view,
                [&](qint64 id, const QString& name) { view.setRuns({{id, name}}); });
        connect(&loader, &StoredSeriesLoader::seriesLoaded, &view,
                [&](qint64 id, const QString& key, const std::vector<std::int64_t>& steps,
                    const std::vector<double>& values) {
                    keys << key;
                    view.appendPoints(id, key, steps, values);
                });
        loader.load(runId);
        QTRY_COMPARE(keys.size(), 7); // mle/loss, then 3 win-rate series per model
        QCOMPARE(points(rawGraph(view, runId, QStringLiteral("mle/win_rate"))),
                 (Points{{10.0, 0.3}, {20.0, 0.4}}));
        QCOMPARE(points(rawGraph(view, runId, QStringLiteral("cpo/win_rate_high"))),
                 (Points{{26.0, 0.55}}));
    }

    void winRateMarkersKeepAMarginAtTheEdges()
    {
        DashboardView view;
        view.appendPoints(1, QStringLiteral("mle/win_rate"), stepsFrom(10, 11),
                          std::vector<double>(11, 0.3));
        view.flushNow();
        auto* winRates = rawGraph(view, 1, QStringLiteral("mle/win_rate"))->parentPlot();
        QVERIFY(winRates->xAxis->range().lower < 10.0);
        QVERIFY(winRates->xAxis->range().upper > 20.0);
        // A line plot ends where its data does.
        view.appendPoints(1, QStringLiteral("mle/loss"), stepsFrom(1, 100),
                          std::vector<double>(100, 1.0));
        view.flushNow();
        QCOMPARE(rawGraph(view, 1, QStringLiteral("mle/loss"))->parentPlot()->xAxis->range(),
                 QCPRange(1.0, 100.0));
    }

    void stepTicksAreWholeSteps()
    {
        DashboardView view;
        view.appendPoints(1, QStringLiteral("cpo/accuracy"), stepsFrom(126, 15),
                          std::vector<double>(15, 0.25));
        view.flushNow();
        auto* plot = rawGraph(view, 1, QStringLiteral("cpo/accuracy"))->parentPlot();
        plot->replot();
        const auto ticks = plot->xAxis->tickVector();
        QVERIFY(ticks.size() >= 2);
        for (const double tick : ticks)
            QVERIFY2(tick == std::round(tick), qPrintable(QString::number(tick)));
    }

    // The app docks the dashboard beside the setup form: the two must fit a 1366-px laptop
    // screen (the window cannot be narrower than their minimum widths together).
    void fitsBesideTheSetupForm()
    {
        DashboardView view;
        const int width = view.minimumSizeHint().width();
        QVERIFY2(width <= 700, qPrintable(QStringLiteral("%1 px").arg(width)));
    }

    void doubleClickFollowsTheDataAgain()
    {
        DashboardView view;
        view.resize(1000, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const auto steps = stepsFrom(1, 100);
        view.appendPoints(1, QStringLiteral("mle/loss"), steps, std::vector<double>(100, 1.0));
        view.flushNow();
        MetricPlot* plot = view.plot(0);
        QCOMPARE(plot->xAxis->range().upper, 100.0);
        const QPoint centre = plot->axisRect()->rect().center();
        QWheelEvent wheel(centre, plot->mapToGlobal(centre), {}, {0, 120}, Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
        QCoreApplication::sendEvent(plot, &wheel);
        QVERIFY(!plot->following());
        const double zoomed = plot->xAxis->range().size();
        QVERIFY(zoomed < 99.0);
        QTest::mouseDClick(plot, Qt::LeftButton, {}, centre);
        QVERIFY(plot->following());
        QCOMPARE(plot->xAxis->range().upper, 100.0);
    }
};

QTEST_MAIN(TestDashboard)
#include "tst_dashboard.moc"
