#pragma once

#include "main_window.h"
#include "studio_arguments.h"

#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtCore/QThread>

#include <cstdint>
#include <optional>
#include <span>

class QDockWidget;

namespace cpo::ui {

class DashboardView;
class EngineBridge;
class ExperimentForm;
class InspectorView;
class InspectorWorker;
class JudgingView;
class JudgingWorker;
class AlphaSweepView;
class AlphaWorker;
class CompareView;
class CompareWorker;
class LogRelay;
class PlaygroundView;
class RunBrowser;
class StoredSeriesLoader;

// The desktop app put together: docks the setup form, the run browser, the dashboard, the
// playground and the log in the main window, and wires them to each other and to the engine
// bridge (Start trains the form's experiment; the run's events draw on the dashboard; runs
// selected in the browser are overlaid). It decides nothing itself: every action forwards to
// the view or the engine call that does it.
class StudioSession : public QObject {
    Q_OBJECT

public:
    // Builds the views into `window` and applies `arguments` (the experiment to open, its
    // overrides, the view to raise). Call start() once the window is shown.
    StudioSession(MainWindow& window, const StudioArguments& arguments, LogRelay& log);
    ~StudioSession() override;

    // The first start's dock sizes, the --run and --generate of the command line.
    void start(bool layoutRestored);

private:
    void buildViews(LogRelay& log);
    void wireForm();
    void wireRunControl();
    void wireBrowser();
    void wireRemoteFollow(const QString& database);
    // Selects the run a remote follow mirrors into once the browser lists it: the dashboard
    // then draws it live from the store.
    void selectFollowedRun();
    // A run's evaluations and α sweeps are stored as it ends: the judging and α views showing
    // it load them (they loaded the run while it had none).
    void reloadRunOutputs(qint64 runId);
    void buildInspector(const QString& database);
    void buildJudging(const QString& database);
    void buildAlpha(const QString& database);
    void buildCompare(const QString& database);
    void refreshRunChoices();
    void openArguments();
    void startRun();
    void togglePause();
    void setRunState(RunState state);
    void refreshStartAction();
    bool confirmClose();
    void refreshOverlays();
    // Appends the points past what the dashboard holds of that series: the live run reaches
    // it both from the engine and from the store the browser follows.
    void appendNewPoints(std::int64_t runId, const QString& key,
                         std::span<const std::int64_t> steps, std::span<const double> values);
    void offerAbandonedRuns();
    QString runName(std::int64_t runId) const;
    void say(const QString& message);

    MainWindow& m_window;
    StudioArguments m_arguments;
    ExperimentForm* m_form = nullptr;
    RunBrowser* m_browser = nullptr;
    DashboardView* m_dashboard = nullptr;
    PlaygroundView* m_playground = nullptr;
    QDockWidget* m_setupDock = nullptr;
    QDockWidget* m_runsDock = nullptr;
    QDockWidget* m_dashboardDock = nullptr;
    QDockWidget* m_logDock = nullptr;
    QDockWidget* m_playgroundDock = nullptr;
    InspectorView* m_inspector = nullptr;
    QDockWidget* m_inspectorDock = nullptr;
    InspectorWorker* m_inspectorWorker = nullptr; // lives on m_inspectorThread
    QThread m_inspectorThread;
    JudgingView* m_judging = nullptr;
    QDockWidget* m_judgingDock = nullptr;
    JudgingWorker* m_judgingWorker = nullptr; // lives on m_judgingThread
    QThread m_judgingThread;
    AlphaSweepView* m_alpha = nullptr;
    QDockWidget* m_alphaDock = nullptr;
    AlphaWorker* m_alphaWorker = nullptr; // lives on m_alphaThread
    QThread m_alphaThread;
    bool m_alphaLoaded = false;
    CompareView* m_compare = nullptr;
    QDockWidget* m_compareDock = nullptr;
    CompareWorker* m_compareWorker = nullptr; // lives on m_compareThread
    QThread m_compareThread;
    bool m_compareLoaded = false;
    EngineBridge* m_bridge = nullptr;                // owned (QObject child)
    StoredSeriesLoader* m_storedSeries = nullptr;    // owned (QObject child)
    std::optional<std::int64_t> m_liveRun;           // the run started here, shown until the next
    QString m_liveName;
    bool m_requestPending = false; // a start or resume was asked and has not answered yet
    QList<qint64> m_selected;      // runs selected in the browser, overlaid
    std::optional<std::int64_t> m_latestStored; // shown at start-up until a run or a selection
    QString m_latestStoredName;
    bool m_abandonedChecked = false;
    std::optional<std::int64_t> m_followedRun; // to select once the browser lists it
};

} // namespace cpo::ui
