// The run browser's table and filter: every model under QAbstractItemModelTester, updates
// that keep rows (and so the selection) in place, every status as it reads, the search.

#include "runs/run_filter_model.h"
#include "runs/run_table_model.h"

#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QtTest>

using cpo::engine::RunListEntry;
using cpo::store::RunStatus;
using cpo::ui::RunTableModel;

namespace {

RunListEntry entry(std::int64_t id, RunStatus status = RunStatus::Finished,
                   bool abandoned = false)
{
    RunListEntry run;
    run.id = id;
    run.name = "run " + std::to_string(id);
    run.status = status;
    run.abandoned = abandoned;
    run.sampler = id % 2 ? "mix" : "bn";
    run.beta = 5.0;
    run.k = 4;
    run.stepsDone = 10 * id;
    run.createdAt = 1'700'000'000'000 + id * 1000;
    return run;
}

std::vector<RunListEntry> entries(std::initializer_list<std::int64_t> ids)
{
    std::vector<RunListEntry> out;
    for (const auto id : ids)
        out.push_back(entry(id));
    return out;
}

QStringList column(const QAbstractItemModel& model, int column)
{
    QStringList out;
    for (int row = 0; row < model.rowCount(); ++row)
        out << model.index(row, column).data().toString();
    return out;
}

} // namespace

class TestRunTable : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void modelsPassTheTester()
    {
        RunTableModel model;
        cpo::ui::RunFilterModel filter;
        filter.setSourceModel(&model);
        const auto mode = QAbstractItemModelTester::FailureReportingMode::QtTest;
        QAbstractItemModelTester tableTester(&model, mode);
        QAbstractItemModelTester filterTester(&filter, mode);
        model.setRuns(entries({3, 2, 1}));
        auto grown = entries({4, 3, 2, 1});
        grown[1].stepsDone = 999;
        model.setRuns(grown);
        filter.sort(RunTableModel::Steps, Qt::AscendingOrder);
        filter.setSearchText(QStringLiteral("run 3"));
        model.setRuns(entries({4, 2}));
        filter.setSearchText({});
        filter.setStatusFilter(QStringLiteral("finished"));
        model.setRuns({});
        model.setRuns(entries({6, 5}));
        model.setRuns(entries({5, 6})); // an order the catalog never gives: a reset
        QCOMPARE(column(model, RunTableModel::Name), QStringList({"run 5", "run 6"}));
    }

    void updatesTouchOnlyWhatChanged()
    {
        RunTableModel model;
        model.setRuns(entries({2, 1}));
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        auto next = entries({3, 2, 1});
        next[2].stepsDone = 500; // run 1 moved on
        model.setRuns(next);
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(inserted.front().at(1).toInt(), 0); // the new run on top
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.front().at(0).toModelIndex().row(), 2);
        model.setRuns(entries({3, 1})); // run 2 deleted
        QCOMPARE(removed.count(), 1);
        QCOMPARE(removed.front().at(1).toInt(), 1);
        QCOMPARE(reset.count(), 0);
        QCOMPARE(column(model, RunTableModel::Name), QStringList({"run 3", "run 1"}));
    }

    void everyStatusIsShown_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<bool>("abandoned");
        QTest::addColumn<QString>("shown");
        QTest::addColumn<QString>("filter");
        QTest::newRow("queued") << int(RunStatus::Queued) << false << "queued" << "queued";
        QTest::newRow("running") << int(RunStatus::Running) << false << "running" << "running";
        QTest::newRow("paused") << int(RunStatus::Paused) << false << "paused" << "paused";
        QTest::newRow("stopped") << int(RunStatus::Stopped) << false << "stopped" << "stopped";
        QTest::newRow("finished") << int(RunStatus::Finished) << false << "finished"
                                  << "finished";
        QTest::newRow("failed") << int(RunStatus::Failed) << false << "failed" << "failed";
        QTest::newRow("cancelled") << int(RunStatus::Cancelled) << false << "cancelled"
                                   << "cancelled";
        QTest::newRow("abandoned") << int(RunStatus::Running) << true
                                   << "running (abandoned)" << "abandoned";
    }

    void everyStatusIsShown()
    {
        QFETCH(int, status);
        QFETCH(bool, abandoned);
        QFETCH(QString, shown);
        QFETCH(QString, filter);
        RunTableModel model;
        model.setRuns({entry(2, RunStatus::Finished),
                       entry(1, static_cast<RunStatus>(status), abandoned)});
        QCOMPARE(model.index(1, RunTableModel::Status).data().toString(), shown);
        cpo::ui::RunFilterModel proxy;
        proxy.setSourceModel(&model);
        proxy.setStatusFilter(filter);
        const int expected = filter == "finished" ? 2 : 1;
        QCOMPARE(proxy.rowCount(), expected);
    }

    void searchFindsTagsAndNotes()
    {
        RunTableModel model;
        auto runs = entries({3, 2, 1});
        runs[0].tags = {"baseline"};
        runs[2].notes = "β too high, diverged";
        model.setRuns(runs);
        cpo::ui::RunFilterModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSearchText(QStringLiteral("BASELINE"));
        QCOMPARE(column(proxy, RunTableModel::Name), QStringList({"run 3"}));
        proxy.setSearchText(QStringLiteral("diverged"));
        QCOMPARE(column(proxy, RunTableModel::Name), QStringList({"run 1"}));
        proxy.setSearchText(QStringLiteral("bn")); // the sampler of run 2
        QCOMPARE(column(proxy, RunTableModel::Name), QStringList({"run 2"}));
    }
};

QTEST_MAIN(TestRunTable)
#include "tst_run_table.moc"
