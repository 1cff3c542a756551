// The desktop's follower of a remote run (engine/remote_follow.h) against local commands in
// place of ssh: the real `cpo runs follow` on a store a short real run wrote, and small shell
// scripts that replay its recorded lines slowly, break off, fail or write garbage.

#include "cli_runner.h"
#include "test_env.h"

#include "engine/event_codec.h"
#include "engine/remote_follow.h"
#include "engine/run_catalog.h"
#include "store/run_store.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <stop_token>
#include <string>
#include <vector>

using namespace cpo;
using cpo::test::runCpo;

namespace {

// The source run's host name in the tests: any plain word does, the templates ignore it.
constexpr char kHost[] = "gpu-server";

struct Followed {
    engine::RemoteFollowResult result;
    std::vector<engine::RunEvent> events;
    std::string error;
};

Followed follow(const QString& db, const store::RemoteOrigin& origin,
                const std::string& commandTemplate, std::stop_source* stopAfterThree = nullptr)
{
    Followed followed;
    engine::RemoteFollowListener listener;
    listener.event = [&](std::int64_t, const engine::RunEvent& event) {
        followed.events.push_back(event);
        if (stopAfterThree && followed.events.size() == 3)
            stopAfterThree->request_stop();
    };
    try {
        followed.result = engine::followRemoteRun(
            db.toStdString(), origin, commandTemplate, listener,
            stopAfterThree ? stopAfterThree->get_token() : std::stop_token());
    } catch (const std::exception& e) {
        followed.error = e.what();
    }
    return followed;
}

std::vector<engine::RunEvent> storedEvents(const QString& db, std::int64_t runId)
{
    store::RunStore store(db.toStdString(), store::OpenMode::ReadOnly);
    std::vector<engine::RunEvent> events;
    for (const auto& record : store.readEvents(runId, 0, 100000))
        events.push_back(engine::eventFromJson(nlohmann::json::parse(record.json)));
    return events;
}

} // namespace

class TestRemoteFollow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void commandFollowsTheTemplate();
    void commandRefusesWhatARemoteShellWouldInterpret();
    void mirrorsARunRowForRowThroughCpoRunsFollow();
    void reconnectContinuesWithoutDuplicates();
    void resumedRemoteRunReplacesTheStepsItRedid();
    void failingCommandQuotesItsStandardError();
    void missingProgramIsNamed();
    void malformedLineIsNamedByNumber();
    void stopEndsTheFollowAndReleasesTheRow();
    void mirrorIsReadOnlyInTheCatalog();

private:
    QString script(const QString& name, const QByteArray& body);
    // A template that replays the recorded lines after {from}, `delay` seconds apart.
    std::string replay(const QString& lines, const char* delay = "0");

    QTemporaryDir m_dir;
    QString m_source;          // the store a short real run wrote
    QString m_lines;           // that run's `cpo runs follow` output, recorded
    int m_lineCount = 0;
    store::RemoteOrigin m_origin;
};

QString TestRemoteFollow::script(const QString& name, const QByteArray& body)
{
    const QString path = m_dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        qFatal("cannot write %s", qPrintable(path));
    file.write("#!/bin/sh\n" + body);
    return path;
}

std::string TestRemoteFollow::replay(const QString& lines, const char* delay)
{
    const auto path = script(QStringLiteral("replay.sh"),
                             "tail -n +$(( $2 + 1 )) \"$1\" | while IFS= read -r line; do\n"
                             "  printf '%s\\n' \"$line\"; sleep $3\n"
                             "done\n");
    return "sh " + path.toStdString() + " " + lines.toStdString() + " {from} " + delay;
}

void TestRemoteFollow::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_source = m_dir.filePath(QStringLiteral("source.sqlite"));
    const auto run = runCpo({"run", cpo::test::sourceDir() + "/experiments/demo-oracle.json",
                             "--set", "device=cpu",
                             "--set", "dataset.oracle.train_examples=64",
                             "--set", "dataset.oracle.validation_examples=16",
                             "--set", "mle.steps=6", "--set", "mle.warmup_steps=1",
                             "--set", "mle.eval_every=3", "--set", "cpo.steps=4",
                             "--set", "cpo.metrics_every=1", "--set", "cpo.samples_every=2",
                             "--set", "eval=null", "--out", m_dir.filePath("source-run"),
                             "--db", m_source});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const auto printed = runCpo({"runs", "follow", "1", "--db", m_source});
    QVERIFY2(printed.exitCode == 0, printed.err.constData());
    m_lines = m_dir.filePath(QStringLiteral("events.jsonl"));
    QFile lines(m_lines);
    QVERIFY(lines.open(QIODevice::WriteOnly));
    lines.write(printed.out);
    m_lineCount = int(printed.out.count('\n'));
    QVERIFY(m_lineCount > 10);
    m_origin = {kHost, 1, m_source.toStdString()};
}

void TestRemoteFollow::commandFollowsTheTemplate()
{
    const store::RemoteOrigin withDb{"gpu1", 12, "/data/runs.sqlite"};
    QCOMPARE(engine::followCommand(engine::kDefaultFollowCommand, withDb, 40),
             (std::vector<std::string>{"ssh", "-o", "BatchMode=yes", "gpu1", "cpo", "runs",
                                       "follow", "12", "--db", "/data/runs.sqlite",
                                       "--from-seq", "40"}));
    const store::RemoteOrigin defaultDb{"me@gpu1", 3, ""};
    QCOMPARE(engine::followCommand(engine::kDefaultFollowCommand, defaultDb, 0),
             (std::vector<std::string>{"ssh", "-o", "BatchMode=yes", "me@gpu1", "cpo", "runs",
                                       "follow", "3", "--from-seq", "0"}));
    QCOMPARE(engine::followCommand("ssh -p 2222  {host} /opt/cpo/bin/cpo runs follow {id} "
                                   "--db={db} --from-seq={from}",
                                   withDb, 7),
             (std::vector<std::string>{"ssh", "-p", "2222", "gpu1", "/opt/cpo/bin/cpo", "runs",
                                       "follow", "12", "--db=/data/runs.sqlite",
                                       "--from-seq=7"}));
    QCOMPARE(engine::displayCommand({"sh", "-c", "echo 'hi' there"}),
             std::string("sh -c 'echo '\\''hi'\\'' there'"));
}

void TestRemoteFollow::commandRefusesWhatARemoteShellWouldInterpret()
{
    const auto refused = [](const std::string& commandTemplate,
                            const store::RemoteOrigin& origin, const char* expected) {
        try {
            engine::followCommand(commandTemplate, origin, 0);
        } catch (const std::exception& e) {
            if (std::string(e.what()).find(expected) != std::string::npos)
                return true;
            qWarning() << e.what();
        }
        return false;
    };
    const std::string ssh(engine::kDefaultFollowCommand);
    QVERIFY(refused(ssh, {"-oProxyCommand=x", 1, ""}, "the host '-oProxyCommand=x'"));
    QVERIFY(refused(ssh, {"gpu1", 1, "runs.sqlite; rm -rf ~"}, "the remote store path"));
    QVERIFY(refused(ssh, {"gpu1", 1, "$(reboot)"}, "the remote store path"));
    QVERIFY(refused(ssh, {"", 1, ""}, "the host ''"));
    QVERIFY(refused("ssh {host} cpo runs follow {run}", {"gpu1", 1, ""}, "'{run}'"));
    QVERIFY(refused("   ", {"gpu1", 1, ""}, "empty"));
}

void TestRemoteFollow::mirrorsARunRowForRowThroughCpoRunsFollow()
{
    const QString mirrorDb = m_dir.filePath(QStringLiteral("mirror.sqlite"));
    const auto followed =
        follow(mirrorDb, m_origin,
               cpo::test::cliPath().toStdString() +
                   " runs follow {id} --db {db} --from-seq {from} --poll-ms 20");
    QVERIFY2(followed.error.empty(), followed.error.c_str());
    QCOMPARE(followed.result.ended, std::optional(store::RunStatus::Finished));
    QVERIFY(!followed.result.stopped);

    // The events came in the source's order, each once, and were logged under its seqs.
    const auto source = storedEvents(m_source, 1);
    QCOMPARE(followed.events.size(), source.size());
    QVERIFY(followed.events == source);
    QVERIFY(storedEvents(mirrorDb, followed.result.localRunId) == source);

    store::RunStore from(m_source.toStdString(), store::OpenMode::ReadOnly);
    store::RunStore mirror(mirrorDb.toStdString(), store::OpenMode::ReadOnly);
    const auto id = followed.result.localRunId;
    const auto keys = from.seriesKeys(1);
    QVERIFY(!keys.empty());
    QCOMPARE(mirror.seriesKeys(id), keys);
    for (const auto& key : keys) {
        const auto a = from.readSeries(1, key);
        const auto b = mirror.readSeries(id, key);
        QCOMPARE(b.steps, a.steps);
        QCOMPARE(b.values.size(), a.values.size());
        for (std::size_t i = 0; i < a.values.size(); ++i)
            QVERIFY2(b.values[i] == a.values[i] || (std::isnan(a.values[i]) &&
                                                    std::isnan(b.values[i])),
                     key.c_str());
    }
    const auto sourceSets = from.readSampleSets(1);
    const auto mirrorSets = mirror.readSampleSets(id);
    QVERIFY(!sourceSets.empty());
    QCOMPARE(mirrorSets.size(), sourceSets.size());
    for (std::size_t i = 0; i < sourceSets.size(); ++i) {
        QCOMPARE(mirrorSets[i].phase, sourceSets[i].phase);
        QCOMPARE(mirrorSets[i].step, sourceSets[i].step);
        QCOMPARE(mirrorSets[i].prompt, sourceSets[i].prompt);
        QCOMPARE(mirrorSets[i].candidates.size(), sourceSets[i].candidates.size());
        for (std::size_t c = 0; c < sourceSets[i].candidates.size(); ++c) {
            QCOMPARE(mirrorSets[i].candidates[c].text, sourceSets[i].candidates[c].text);
            QCOMPARE(mirrorSets[i].candidates[c].tokenIds, sourceSets[i].candidates[c].tokenIds);
            QCOMPARE(mirrorSets[i].candidates[c].logpTheta,
                     sourceSets[i].candidates[c].logpTheta);
        }
    }
    const auto run = mirror.getRun(id);
    QVERIFY(run);
    QCOMPARE(run->status, store::RunStatus::Finished);
    QVERIFY(run->remote);
    QCOMPARE(*run->remote, m_origin);
    QVERIFY(!run->ownerPid); // released once the follow ended
}

void TestRemoteFollow::reconnectContinuesWithoutDuplicates()
{
    const QString mirrorDb = m_dir.filePath(QStringLiteral("reconnect.sqlite"));
    // The connection breaks after five events (ssh's exit status when a link drops).
    const auto broken = script(QStringLiteral("broken.sh"),
                               "head -n 5 \"$1\"; echo 'Connection reset by peer' >&2; exit 255\n");
    const auto first = follow(mirrorDb, m_origin, "sh " + broken.toStdString() + " " +
                                                      m_lines.toStdString());
    QVERIFY(first.error.find("exited with status 255") != std::string::npos);
    QVERIFY(first.error.find("Connection reset by peer") != std::string::npos);
    QCOMPARE(first.events.size(), std::size_t(5));

    // Following again asks for the events after the fifth, slowly, and the mirror is whole.
    const auto second = follow(mirrorDb, m_origin, replay(m_lines, "0.01"));
    QVERIFY2(second.error.empty(), second.error.c_str());
    QCOMPARE(second.result.localRunId, std::int64_t(1)); // the first follow's row
    QCOMPARE(int(second.events.size()), m_lineCount - 5);
    const auto source = storedEvents(m_source, 1);
    QVERIFY(storedEvents(mirrorDb, second.result.localRunId) == source);

    // A command that ignores {from} and prints everything again adds nothing.
    const auto all = script(QStringLiteral("all.sh"), "cat \"$1\"\n");
    const auto third =
        follow(mirrorDb, m_origin, "sh " + all.toStdString() + " " + m_lines.toStdString());
    QVERIFY2(third.error.empty(), third.error.c_str());
    QCOMPARE(third.events.size(), std::size_t(0));
    QVERIFY(storedEvents(mirrorDb, second.result.localRunId) == source);
    store::RunStore mirror(mirrorDb.toStdString(), store::OpenMode::ReadOnly);
    QCOMPARE(mirror.listRuns().size(), std::size_t(1));
    store::RunStore from(m_source.toStdString(), store::OpenMode::ReadOnly);
    QCOMPARE(mirror.readSeries(1, "mle/loss").steps, from.readSeries(1, "mle/loss").steps);
}

void TestRemoteFollow::resumedRemoteRunReplacesTheStepsItRedid()
{
    // The remote run was killed after step 3 and resumed from its checkpoint at step 2: its
    // log goes on with the phase started again and step 3 done again (another loss).
    const auto step = [](std::int64_t n, double loss) {
        return engine::RunEvent(train::StepMetrics{n, loss, 1e-3, 1.0, 100.0, 0.1, 0.1 * n});
    };
    const std::vector<engine::RunEvent> events{
        engine::PhaseStarted{"mle", 4}, step(1, 4.0), step(2, 3.0), step(3, 2.0),
        engine::PhaseStarted{"mle", 4}, step(3, 2.5), step(4, 1.5),
        engine::RunFinished{}};
    const QString lines = m_dir.filePath(QStringLiteral("resumed.jsonl"));
    QFile file(lines);
    QVERIFY(file.open(QIODevice::WriteOnly));
    for (std::size_t i = 0; i < events.size(); ++i) {
        auto line = engine::eventToJson(events[i]);
        line["seq"] = i + 1;
        file.write(QByteArray::fromStdString(line.dump() + "\n"));
    }
    file.close();
    const QString db = m_dir.filePath(QStringLiteral("resumed.sqlite"));
    const auto followed = follow(db, m_origin, "cat " + lines.toStdString());
    QVERIFY2(followed.error.empty(), followed.error.c_str());
    QCOMPARE(followed.events.size(), events.size());
    store::RunStore mirror(db.toStdString(), store::OpenMode::ReadOnly);
    const auto loss = mirror.readSeries(followed.result.localRunId, "mle/loss");
    QCOMPARE(loss.steps, (std::vector<std::int64_t>{1, 2, 3, 4}));
    QCOMPARE(loss.values, (std::vector<double>{4.0, 3.0, 2.5, 1.5}));
}

void TestRemoteFollow::failingCommandQuotesItsStandardError()
{
    const auto missingCpo = script(QStringLiteral("missing-cpo.sh"),
                                   "echo 'bash: line 1: cpo: command not found' >&2; exit 127\n");
    const auto followed = follow(m_dir.filePath(QStringLiteral("failing.sqlite")), m_origin,
                                 "sh " + missingCpo.toStdString());
    QVERIFY(followed.error.find("status 127") != std::string::npos);
    QVERIFY(followed.error.find("no `cpo`") != std::string::npos);
    QVERIFY2(followed.error.find("cpo: command not found") != std::string::npos,
             followed.error.c_str());
}

void TestRemoteFollow::missingProgramIsNamed()
{
    const auto followed = follow(m_dir.filePath(QStringLiteral("missing.sqlite")), m_origin,
                                 "/nonexistent/ssh {host} cpo runs follow {id}");
    QVERIFY2(followed.error.find("cannot start `/nonexistent/ssh`") != std::string::npos,
             followed.error.c_str());
    // A follow that never got an event leaves no empty run behind.
    QCOMPARE(followed.result.localRunId, std::int64_t(0));
    store::RunStore mirror(m_dir.filePath(QStringLiteral("missing.sqlite")).toStdString());
    QVERIFY(mirror.listRuns().empty());
}

void TestRemoteFollow::malformedLineIsNamedByNumber()
{
    const auto garbage = script(QStringLiteral("garbage.sh"),
                                "head -n 3 \"$1\"; echo 'Welcome to gpu-server!'; cat \"$1\"\n");
    const QString db = m_dir.filePath(QStringLiteral("garbage.sqlite"));
    const auto followed =
        follow(db, m_origin, "sh " + garbage.toStdString() + " " + m_lines.toStdString());
    QVERIFY2(followed.error.find("line 4 of `sh ") != std::string::npos, followed.error.c_str());
    QVERIFY(followed.error.find("is not JSON") != std::string::npos);
    QVERIFY(followed.error.find("Welcome to gpu-server!") != std::string::npos);
    // What came before it stays mirrored.
    QCOMPARE(storedEvents(db, 1).size(), std::size_t(3));

    const auto wrongEvent = script(QStringLiteral("wrong-event.sh"),
                                   "echo '{\"seq\": 1, \"event\": \"step\", \"step\": 1}'\n");
    const auto second = follow(m_dir.filePath(QStringLiteral("wrong-event.sqlite")), m_origin,
                               "sh " + wrongEvent.toStdString());
    QVERIFY2(second.error.find("line 1 of") != std::string::npos, second.error.c_str());
    QVERIFY(second.error.find("field 'loss' is missing") != std::string::npos);
}

void TestRemoteFollow::stopEndsTheFollowAndReleasesTheRow()
{
    const QString db = m_dir.filePath(QStringLiteral("stopped.sqlite"));
    std::stop_source stop;
    QElapsedTimer timer;
    timer.start();
    const auto followed = follow(db, m_origin, replay(m_lines, "1"), &stop);
    QVERIFY2(followed.error.empty(), followed.error.c_str());
    QVERIFY(followed.result.stopped);
    QCOMPARE(followed.events.size(), std::size_t(3));
    QVERIFY(timer.elapsed() < 10000);
    store::RunStore mirror(db.toStdString(), store::OpenMode::ReadOnly);
    const auto run = mirror.getRun(followed.result.localRunId);
    QVERIFY(run && !run->ownerPid);
    QCOMPARE(run->status, store::RunStatus::Running); // as far as the mirror knows
}

void TestRemoteFollow::mirrorIsReadOnlyInTheCatalog()
{
    const QString db = m_dir.filePath(QStringLiteral("mirror.sqlite"));
    engine::RunCatalog catalog(db.toStdString());
    const auto runs = catalog.runs();
    QCOMPARE(runs.size(), std::size_t(1));
    QVERIFY(runs[0].remote);
    QCOMPARE(runs[0].remote->host, std::string(kHost));
    QVERIFY(!runs[0].abandoned);

    // A stopped-following mirror left `running` is not offered for resume either.
    const QString stopped = m_dir.filePath(QStringLiteral("stopped.sqlite"));
    engine::RunCatalog stoppedCatalog(stopped.toStdString());
    QVERIFY(!stoppedCatalog.runs().at(0).abandoned);
    const auto resume = runCpo({"runs", "resume", "1", "--db", stopped});
    QVERIFY(resume.exitCode != 0);
    QVERIFY2(resume.err.contains("read-only here"), resume.err.constData());

    // It can be deleted (once nobody follows it).
    catalog.deleteRun(runs[0].id);
    QVERIFY(catalog.runs().empty());
}

QTEST_GUILESS_MAIN(TestRemoteFollow)
#include "tst_remote_follow.moc"
