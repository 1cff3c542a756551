#include "studio_session.h"

#include "dashboard/dashboard_view.h"
#include "dashboard/stored_series_loader.h"
#include "engine/run_host.h"
#include "engine_bridge.h"
#include "inspector/inspector_view.h"
#include "inspector/inspector_worker.h"
#include "alpha/alpha_sweep_view.h"
#include "alpha/alpha_worker.h"
#include "compare/compare_view.h"
#include "compare/compare_worker.h"
#include "judging/judging_view.h"
#include "judging/judging_worker.h"
#include "log_relay.h"
#include "log_view.h"
#include "playground_view.h"
#include "remote/remote_follow_controller.h"
#include "runs/run_browser.h"
#include "runs/run_table_model.h"
#include "setup/experiment_form.h"

#include "util/log.h"
#include "util/paths.h"

#include <QtCore/QEventLoop>
#include <QtGui/QAction>
#include <QtWidgets/QDockWidget>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QStatusBar>

#include <algorithm>
#include <vector>

namespace cpo::ui {
namespace {

constexpr int kStatusMessageMs = 8000;

QString outcomeText(const engine::RunSummary& summary)
{
    const auto outcome = engine::toString(summary.outcome);
    QString text = QString::fromLatin1(outcome.data(), static_cast<qsizetype>(outcome.size()));
    if (!summary.message.empty())
        text += QStringLiteral(": ") + QString::fromStdString(summary.message);
    return text;
}

} // namespace

StudioSession::StudioSession(MainWindow& window, const StudioArguments& arguments,
                             LogRelay& log)
    : QObject(&window), m_window(window), m_arguments(arguments)
{
    const QString database =
        m_arguments.databaseFile.isEmpty()
            ? QString::fromStdString(defaultDatabasePath().string())
            : m_arguments.databaseFile;
    m_window.setDatabasePath(database);
    m_bridge = new EngineBridge(database, this);
    m_storedSeries = new StoredSeriesLoader(database, this);
    buildViews(log);
    m_browser = new RunBrowser(database);
    m_browser->setObjectName(QStringLiteral("runs"));
    m_runsDock = m_window.addDockView(m_browser, tr("Runs"), Qt::LeftDockWidgetArea);
    m_window.tabifyDockWidget(m_setupDock, m_runsDock);
    wireForm();
    wireRunControl();
    wireBrowser();
    wireRemoteFollow(database);
    buildInspector(database);
    buildJudging(database);
    buildAlpha(database);
    buildCompare(database);
    openArguments();
}

StudioSession::~StudioSession()
{
    if (m_alphaWorker)
        m_alphaWorker->requestCancel();
    for (auto* thread :
         {&m_inspectorThread, &m_judgingThread, &m_alphaThread, &m_compareThread}) {
        thread->quit();
        thread->wait();
    }
}

void StudioSession::buildAlpha(const QString& database)
{
    m_alpha = new AlphaSweepView;
    m_alpha->setObjectName(QStringLiteral("alpha"));
    m_alphaDock = m_window.addDockView(m_alpha, tr("α sweeps"), Qt::RightDockWidgetArea);
    m_window.tabifyDockWidget(m_dashboardDock, m_alphaDock);
    m_alphaWorker = new AlphaWorker(database);
    m_alphaWorker->moveToThread(&m_alphaThread);
    connect(&m_alphaThread, &QThread::finished, m_alphaWorker, &QObject::deleteLater);
    connect(m_alpha, &AlphaSweepView::generationsRequested, m_alphaWorker,
            &AlphaWorker::loadGenerations);
    connect(m_alpha, &AlphaSweepView::sweepRequested, this, [this](AlphaSweepLaunch launch) {
        // The sweep is of the run chosen in the browser (else the newest).
        const auto* model = m_browser->model();
        if (!m_selected.isEmpty())
            launch.runId = m_selected.front();
        else if (model->rowCount() > 0)
            launch.runId = model->run(0).id;
        else {
            m_alpha->sweepEnded(tr("No run to sweep: train one first"));
            return;
        }
        QMetaObject::invokeMethod(m_alphaWorker, [worker = m_alphaWorker, launch] {
            worker->runSweep(launch);
        });
    });
    connect(m_alpha, &AlphaSweepView::cancelRequested, this,
            [this] { m_alphaWorker->requestCancel(); });
    connect(m_alphaWorker, &AlphaWorker::curvesLoaded, m_alpha, &AlphaSweepView::setCurves);
    connect(m_alphaWorker, &AlphaWorker::generationsLoaded, m_alpha,
            &AlphaSweepView::showGenerations);
    connect(m_alphaWorker, &AlphaWorker::sweepProgressed, m_alpha,
            &AlphaSweepView::setSweepProgress);
    connect(m_alphaWorker, &AlphaWorker::sweepEnded, m_alpha, &AlphaSweepView::sweepEnded);
    connect(m_alphaWorker, &AlphaWorker::failed, m_alpha, &AlphaSweepView::showProblem);
    connect(m_browser, &RunBrowser::selectionChanged, m_alphaWorker, &AlphaWorker::loadCurves);
    m_alphaThread.setObjectName(QStringLiteral("alpha"));
    m_alphaThread.start();
}

void StudioSession::buildCompare(const QString& database)
{
    m_compare = new CompareView;
    m_compare->setObjectName(QStringLiteral("compare"));
    m_compareDock = m_window.addDockView(m_compare, tr("Compare"), Qt::RightDockWidgetArea);
    m_window.tabifyDockWidget(m_dashboardDock, m_compareDock);
    m_compareWorker = new CompareWorker(database);
    m_compareWorker->moveToThread(&m_compareThread);
    connect(&m_compareThread, &QThread::finished, m_compareWorker, &QObject::deleteLater);
    connect(m_compare, &CompareView::seriesRequested, m_compareWorker,
            &CompareWorker::loadSeries);
    connect(m_compareWorker, &CompareWorker::compared, m_compare, &CompareView::setComparison);
    connect(m_compareWorker, &CompareWorker::seriesLoaded, m_compare, &CompareView::setSeries);
    connect(m_compareWorker, &CompareWorker::failed, m_compare, &CompareView::showProblem);
    connect(m_browser, &RunBrowser::selectionChanged, this, [this](const QList<qint64>& ids) {
        if (ids.size() >= 2)
            QMetaObject::invokeMethod(m_compareWorker,
                                      [worker = m_compareWorker, ids] { worker->compare(ids); });
    });
    m_compareThread.setObjectName(QStringLiteral("compare"));
    m_compareThread.start();
}

void StudioSession::buildJudging(const QString& database)
{
    m_judging = new JudgingView;
    m_judging->setObjectName(QStringLiteral("judging"));
    m_judgingDock = m_window.addDockView(m_judging, tr("Judging"), Qt::RightDockWidgetArea);
    m_window.tabifyDockWidget(m_dashboardDock, m_judgingDock);
    m_judgingWorker = new JudgingWorker(database);
    m_judgingWorker->moveToThread(&m_judgingThread);
    connect(&m_judgingThread, &QThread::finished, m_judgingWorker, &QObject::deleteLater);
    connect(m_judging, &JudgingView::runChosen, m_judgingWorker, &JudgingWorker::load);
    connect(m_judging, &JudgingView::voteCast, m_judgingWorker, &JudgingWorker::addVote);
    connect(m_judging, &JudgingView::voteUndone, m_judgingWorker, &JudgingWorker::removeVote);
    connect(m_judgingWorker, &JudgingWorker::loaded, m_judging, &JudgingView::setData);
    connect(m_judgingWorker, &JudgingWorker::voteStored, m_judging, &JudgingView::voteStored);
    connect(m_judgingWorker, &JudgingWorker::failed, m_judging, &JudgingView::showProblem);
    connect(m_browser, &RunBrowser::selectionChanged, this, [this](const QList<qint64>& ids) {
        if (!ids.isEmpty())
            m_judging->selectRun(ids.front());
    });
    m_judgingThread.setObjectName(QStringLiteral("judging"));
    m_judgingThread.start();
}

void StudioSession::buildInspector(const QString& database)
{
    m_inspector = new InspectorView;
    m_inspector->setObjectName(QStringLiteral("inspector"));
    m_inspectorDock = m_window.addDockView(m_inspector, tr("Inspector"), Qt::RightDockWidgetArea);
    m_window.tabifyDockWidget(m_dashboardDock, m_inspectorDock);
    m_inspectorWorker = new InspectorWorker(database);
    m_inspectorWorker->moveToThread(&m_inspectorThread);
    connect(&m_inspectorThread, &QThread::started, m_inspectorWorker, &InspectorWorker::start);
    connect(&m_inspectorThread, &QThread::finished, m_inspectorWorker, &QObject::deleteLater);
    connect(m_inspector, &InspectorView::runChosen, m_inspectorWorker,
            &InspectorWorker::loadIndex);
    connect(m_inspector, &InspectorView::sampleSetRequested, m_inspectorWorker,
            &InspectorWorker::load);
    connect(m_inspectorWorker, &InspectorWorker::indexReady, m_inspector,
            &InspectorView::setIndex);
    connect(m_inspectorWorker, &InspectorWorker::sampleSetReady, m_inspector,
            &InspectorView::showSampleSet);
    connect(m_inspectorWorker, &InspectorWorker::failed, m_inspector,
            &InspectorView::showProblem);
    connect(m_browser, &RunBrowser::runsUpdated, this, &StudioSession::refreshRunChoices);
    connect(m_browser, &RunBrowser::selectionChanged, this, [this](const QList<qint64>& ids) {
        if (!ids.isEmpty())
            m_inspector->selectRun(ids.front());
    });
    m_inspectorThread.setObjectName(QStringLiteral("inspector"));
    m_inspectorThread.start();
}

void StudioSession::refreshRunChoices()
{
    QList<QPair<qint64, QString>> runs;
    std::optional<qint64> newestFinished; // what the views open on, unless a run trains here
    const auto* model = m_browser->model();
    for (int row = 0; row < model->rowCount(); ++row) {
        const auto& run = model->run(row);
        runs.append({run.id, QString::fromStdString(run.name)});
        if (!newestFinished && run.status == store::RunStatus::Finished)
            newestFinished = run.id;
    }
    if (runs.isEmpty())
        return;
    const qint64 shown = m_liveRun.value_or(newestFinished.value_or(runs.front().first));
    const bool firstRuns = !m_inspector->currentRun();
    m_inspector->setRuns(runs);
    if (firstRuns)
        m_inspector->selectRun(shown);
    // Until runs are selected, the α view overlays every run's sweeps (once: a sweep run from
    // the view reloads them itself).
    if (m_alpha && !m_alphaLoaded && m_selected.isEmpty()) {
        m_alphaLoaded = true;
        QMetaObject::invokeMethod(m_alphaWorker, [worker = m_alphaWorker, runs] {
            QList<qint64> ids;
            for (const auto& run : runs)
                ids << run.first;
            worker->loadCurves(ids);
        });
    }
    // Until two runs are selected, the comparison shows the two newest.
    if (m_compare && !m_compareLoaded && m_selected.size() < 2 && runs.size() >= 2) {
        m_compareLoaded = true;
        const QList<qint64> ids{runs.at(0).first, runs.at(1).first};
        QMetaObject::invokeMethod(m_compareWorker,
                                  [worker = m_compareWorker, ids] { worker->compare(ids); });
    }
    if (m_judging) {
        const bool first = !m_judging->currentRun();
        m_judging->setRuns(runs);
        if (first)
            m_judging->selectRun(shown);
    }
}

void StudioSession::buildViews(LogRelay& log)
{
    m_form = new ExperimentForm;
    m_form->setObjectName(QStringLiteral("setup"));
    m_setupDock = m_window.addDockView(m_form, tr("Experiment"), Qt::LeftDockWidgetArea);
    m_dashboard = new DashboardView;
    m_dashboard->setObjectName(QStringLiteral("dashboard"));
    m_dashboardDock = m_window.addDockView(m_dashboard, tr("Dashboard"), Qt::RightDockWidgetArea);
    auto* logView = new LogView;
    connect(&log, &LogRelay::line, logView, &LogView::appendLine);
    m_logDock = m_window.addDockView(logView, tr("Log"), Qt::RightDockWidgetArea);
    m_window.splitDockWidget(m_dashboardDock, m_logDock, Qt::Vertical);
    m_playground = new PlaygroundView;
    m_playground->setObjectName(QStringLiteral("playground"));
    m_playgroundDock = m_window.addDockView(m_playground, tr("Playground"),
                                            Qt::RightDockWidgetArea);
    m_window.tabifyDockWidget(m_dashboardDock, m_playgroundDock);
}

void StudioSession::wireForm()
{
    m_form->setPresetFolder(ExperimentForm::findPresetFolder());
    connect(m_form, &ExperimentForm::validityChanged, this, &StudioSession::refreshStartAction);
    connect(m_form, &ExperimentForm::problem, this, &StudioSession::say);
    connect(m_form, &ExperimentForm::fileNameChanged, this, [this](const QString& file) {
        if (!file.isEmpty())
            m_window.addRecentFile(file);
    });
    connect(m_window.action(MainWindow::Action::OpenExperiment), &QAction::triggered, m_form,
            &ExperimentForm::open);
    connect(m_window.action(MainWindow::Action::SaveExperiment), &QAction::triggered, m_form,
            &ExperimentForm::save);
    connect(m_window.action(MainWindow::Action::SaveExperimentAs), &QAction::triggered, m_form,
            &ExperimentForm::saveAs);
    connect(&m_window, &MainWindow::recentFileChosen, this, [this](const QString& file) {
        if (m_form->confirmClose() && m_form->openFile(file))
            m_setupDock->raise();
    });
    m_window.setCloseGuard([this] { return confirmClose(); });
}

void StudioSession::wireRunControl()
{
    using Action = MainWindow::Action;
    connect(m_window.action(Action::StartRun), &QAction::triggered, this,
            &StudioSession::startRun);
    connect(m_window.action(Action::PauseResumeRun), &QAction::triggered, this,
            &StudioSession::togglePause);
    connect(m_window.action(Action::StopRun), &QAction::triggered, m_bridge, &EngineBridge::stop);
    connect(m_window.action(Action::CancelRun), &QAction::triggered, m_bridge,
            &EngineBridge::cancel);

    connect(m_bridge, &EngineBridge::runStarted, this, [this](qint64 runId) {
        m_requestPending = false;
        m_liveRun = runId;
        m_liveName = runName(runId);
        if (m_liveName.isEmpty() && m_form->isValid())
            m_liveName = QString::fromStdString(m_form->document().config()->name);
        m_latestStored.reset();
        refreshRunChoices();
        m_inspector->selectRun(runId);
        setRunState(RunState::Running);
        refreshOverlays();
        m_dashboardDock->raise();
        say(tr("Run %1 started").arg(runId));
    });
    connect(m_bridge, &EngineBridge::pointsArrived, this,
            [this](qint64 runId, const std::vector<SeriesPoint>& points) {
                for (const auto& point : points)
                    appendNewPoints(runId, point.key, {&point.step, 1}, {&point.value, 1});
            });
    connect(m_bridge, &EngineBridge::pauseChanged, this, [this](qint64, bool paused) {
        setRunState(paused ? RunState::Paused : RunState::Running);
    });
    connect(m_bridge, &EngineBridge::runFinished, this,
            [this](qint64 runId, const engine::RunSummary& summary) {
                setRunState(RunState::Idle);
                say(tr("Run %1 %2").arg(runId).arg(outcomeText(summary)));
                reloadRunOutputs(runId);
            });
    connect(m_bridge, &EngineBridge::failed, this, [this](const QString& message) {
        if (m_requestPending) { // the start or resume was refused: nothing runs
            m_requestPending = false;
            setRunState(RunState::Idle);
        }
        log::get("app")->error("{}", message.toStdString());
        m_window.statusBar()->showMessage(message, kStatusMessageMs);
    });
}

void StudioSession::reloadRunOutputs(qint64 runId)
{
    if (m_judging && m_judging->currentRun() == runId)
        m_judging->selectRun(runId); // loads the run again, its evaluations now stored
    if (!m_alpha)
        return;
    QList<qint64> ids = m_selected;
    if (ids.isEmpty()) { // every run's sweeps, as before a selection
        const auto* model = m_browser->model();
        for (int row = 0; row < model->rowCount(); ++row)
            ids << model->run(row).id;
    }
    if (!ids.contains(runId))
        return;
    QMetaObject::invokeMethod(m_alphaWorker, [worker = m_alphaWorker, ids] {
        worker->loadCurves(ids);
    });
}

void StudioSession::wireBrowser()
{
    connect(m_browser, &RunBrowser::selectionChanged, this, [this](const QList<qint64>& ids) {
        m_selected = ids;
        if (!ids.isEmpty())
            m_latestStored.reset();
        refreshOverlays();
    });
    connect(m_browser, &RunBrowser::seriesAppended, this, [this](const SeriesUpdate& update) {
        if (!m_selected.contains(update.runId))
            return; // deselected while the update was on its way
        const std::vector<std::int64_t> steps(update.steps.begin(), update.steps.end());
        const std::vector<double> values(update.values.begin(), update.values.end());
        appendNewPoints(update.runId, update.key, steps, values);
    });
    connect(m_browser, &RunBrowser::openRequested, this, [this](qint64) {
        m_dashboardDock->raise();
    });
    connect(m_browser, &RunBrowser::cloneSetupRequested, this,
            [this](const QString& json, const QString& name) {
                if (!m_form->confirmClose())
                    return;
                m_form->cloneSetup(json, name);
                m_setupDock->raise();
            });
    connect(m_browser, &RunBrowser::resumeRequested, this, [this](qint64 runId) {
        if (m_requestPending || m_window.runState() != RunState::Idle) {
            say(tr("Run %1 cannot resume while another run trains").arg(runId));
            return;
        }
        m_requestPending = true;
        setRunState(RunState::Running);
        m_bridge->resume(runId);
    });
    connect(m_browser, &RunBrowser::message, this, &StudioSession::say);
    connect(m_browser, &RunBrowser::runsUpdated, this, &StudioSession::offerAbandonedRuns);

    // Until a run starts or one is selected, the dashboard shows the newest stored run.
    connect(m_storedSeries, &StoredSeriesLoader::runFound, this,
            [this](qint64 runId, const QString& name) {
                if (m_liveRun || !m_selected.isEmpty())
                    return;
                m_latestStored = runId;
                m_latestStoredName = name;
                refreshOverlays();
            });
    connect(m_storedSeries, &StoredSeriesLoader::seriesLoaded, this,
            [this](qint64 runId, const QString& key, const std::vector<std::int64_t>& steps,
                   const std::vector<double>& values) {
                if (m_latestStored == runId)
                    appendNewPoints(runId, key, steps, values);
            });
}

void StudioSession::wireRemoteFollow(const QString& database)
{
    using Action = MainWindow::Action;
    auto* remote = new RemoteFollowController(&m_window, m_window.action(Action::FollowRemoteRun),
                                              m_window.action(Action::StopFollowing), database);
    connect(remote, &RemoteFollowController::message, this, &StudioSession::say);
    connect(remote, &RemoteFollowController::mirrorOpened, this, [this](qint64 localRunId) {
        m_followedRun = localRunId;
        selectFollowedRun();
        m_runsDock->raise();
        m_dashboardDock->raise();
    });
    connect(m_browser, &RunBrowser::runsUpdated, this, &StudioSession::selectFollowedRun);
}

void StudioSession::selectFollowedRun()
{
    if (!m_followedRun || m_browser->model()->rowOf(*m_followedRun) < 0)
        return;
    m_browser->selectRuns({*m_followedRun});
    m_followedRun.reset();
}

void StudioSession::openArguments()
{
    if (!m_arguments.experimentFile.isEmpty() && m_form->openFile(m_arguments.experimentFile))
        m_form->applyOverrides(m_arguments.overrides);
    if (!m_arguments.modelDir.isEmpty())
        m_playground->setModelDir(m_arguments.modelDir);
    if (!m_arguments.tokenizerPath.isEmpty())
        m_playground->setTokenizerPath(m_arguments.tokenizerPath);
    if (!m_arguments.prompt.isEmpty())
        m_playground->setPrompt(m_arguments.prompt);
    setRunState(RunState::Idle);
}

void StudioSession::start(bool layoutRestored)
{
    if (!layoutRestored) { // the first start: the plots get most of the height
        m_window.resizeDocks({m_dashboardDock, m_logDock}, {820, 130}, Qt::Vertical);
        // The form in one column of fields, the views beside it the rest of the width (their
        // plots and tables gain most from it); a wider dock shows the form in two columns.
        m_window.resizeDocks({m_setupDock}, {m_window.width() * 2 / 5}, Qt::Horizontal);
        m_dashboardDock->raise();
        m_setupDock->raise();
    }
    const QHash<QString, QDockWidget*> views{{QStringLiteral("setup"), m_setupDock},
                                             {QStringLiteral("runs"), m_runsDock},
                                             {QStringLiteral("dashboard"), m_dashboardDock},
                                             {QStringLiteral("playground"), m_playgroundDock},
                                             {QStringLiteral("inspector"), m_inspectorDock},
                                             {QStringLiteral("judging"), m_judgingDock},
                                             {QStringLiteral("alpha"), m_alphaDock},
                                             {QStringLiteral("compare"), m_compareDock}};
    if (auto* dock = views.value(m_arguments.view))
        dock->raise();
    if (m_arguments.startRun)
        startRun();
    else
        m_storedSeries->loadLatest();
    if (m_arguments.generate) {
        m_playgroundDock->raise();
        m_playground->startGeneration();
    }
}

void StudioSession::startRun()
{
    if (m_requestPending || m_window.runState() != RunState::Idle)
        return;
    if (!m_form->isValid()) {
        m_setupDock->raise();
        say(tr("The experiment is not valid: the setup form says what to fix"));
        return;
    }
    m_requestPending = true;
    setRunState(RunState::Running);
    m_bridge->start(engine::RunRequest{*m_form->document().config(), {},
                                       m_arguments.stepsScale});
}

void StudioSession::togglePause()
{
    if (m_window.runState() == RunState::Paused)
        m_bridge->unpause();
    else
        m_bridge->pause();
}

void StudioSession::setRunState(RunState state)
{
    m_window.setRunState(state);
    refreshStartAction();
}

void StudioSession::refreshStartAction()
{
    m_window.action(MainWindow::Action::StartRun)
        ->setEnabled(m_window.runState() == RunState::Idle && m_form->isValid());
}

bool StudioSession::confirmClose()
{
    if (!m_form->confirmClose())
        return false;
    if (m_window.runState() == RunState::Idle)
        return true;
    const auto answer = QMessageBox::question(
        &m_window, tr("A run is training"),
        tr("Run %1 is still training. Stop it with a checkpoint (it can be resumed later) and "
           "quit?")
            .arg(m_liveName),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Yes);
    if (answer != QMessageBox::Yes)
        return false;
    say(tr("Stopping the run with a checkpoint…"));
    QEventLoop stopped;
    connect(m_bridge, &EngineBridge::runFinished, &stopped, &QEventLoop::quit);
    connect(m_bridge, &EngineBridge::failed, &stopped, &QEventLoop::quit);
    m_bridge->stop();
    stopped.exec();
    return true;
}

void StudioSession::refreshOverlays()
{
    QVector<RunLabel> runs;
    // Runs of one experiment share its name: the id tells them apart in the legends.
    const auto add = [&runs](std::int64_t id, const QString& name) {
        if (std::none_of(runs.begin(), runs.end(), [id](const RunLabel& r) { return r.id == id; }))
            runs.push_back({id, QStringLiteral("%1 #%2").arg(name).arg(id)});
    };
    if (m_liveRun)
        add(*m_liveRun, m_liveName);
    if (m_latestStored)
        add(*m_latestStored, m_latestStoredName);
    for (const qint64 id : m_selected)
        add(id, runName(id));
    m_dashboard->setRuns(runs);
}

void StudioSession::appendNewPoints(std::int64_t runId, const QString& key,
                                    std::span<const std::int64_t> steps,
                                    std::span<const double> values)
{
    std::size_t from = 0;
    if (const auto* history = m_dashboard->history(runId)) {
        if (const auto* held = history->series(key); held && !held->steps.empty()) {
            const auto past = std::upper_bound(steps.begin(), steps.end(), held->steps.back());
            from = static_cast<std::size_t>(past - steps.begin());
        }
    }
    if (from < steps.size())
        m_dashboard->appendPoints(runId, key, steps.subspan(from), values.subspan(from));
}

void StudioSession::offerAbandonedRuns()
{
    if (m_abandonedChecked)
        return;
    m_abandonedChecked = true;
    const auto* model = m_browser->model();
    for (int row = 0; row < model->rowCount(); ++row) {
        const auto& run = model->run(row);
        if (!run.abandoned)
            continue;
        // A hint rather than a dialog: the app may be starting a run of its own.
        say(tr("Run %1 (%2) was abandoned while it trained: right-click it in Runs and "
               "choose Resume to go on from its last checkpoint")
                .arg(run.id)
                .arg(QString::fromStdString(run.name)));
        return;
    }
}

QString StudioSession::runName(std::int64_t runId) const
{
    const auto* model = m_browser->model();
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->run(row).id == runId)
            return QString::fromStdString(model->run(row).name);
    }
    return QString();
}

void StudioSession::say(const QString& message)
{
    m_window.statusBar()->showMessage(message, kStatusMessageMs);
    log::get("app")->info("{}", message.toStdString());
}

} // namespace cpo::ui
