#pragma once

#include <QtCore/QHash>
#include <QtCore/QStringList>
#include <QtCore/QTimer>
#include <QtWidgets/QMainWindow>

#include <functional>

class QDockWidget;
class QLabel;
class QMenu;

namespace cpo::ui {

// What a run is doing, as far as the Run menu's actions care.
enum class RunState { Idle, Running, Paused };

// The app's frame: every view is a dock the user can move, stack, float or close (View
// menu), the layout, geometry and recent files kept with QSettings. Menu actions are public
// so the views can be wired to them without the window knowing them; the status bar shows
// the device, BLAS and threads, memory and the run database.
class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    enum class Action {
        OpenExperiment,
        SaveExperiment,
        SaveExperimentAs,
        FollowRemoteRun,
        StopFollowing,
        Quit,
        StartRun,
        PauseResumeRun,
        StopRun,
        CancelRun,
        About
    };
    static constexpr int kMaxRecentFiles = 8;

    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    QAction* action(Action which) const { return m_actions.value(which); }

    // Docks `view` (titled `title`) in `area`; its toggle joins the View menu. The view's
    // objectName names the dock in the saved layout: give each view a stable one.
    QDockWidget* addDockView(QWidget* view, const QString& title, Qt::DockWidgetArea area);
    // Geometry and dock layout as the user left them; call once every view is docked. False
    // when there was none to restore (the first start).
    bool restoreLayout();

    // Files the File menu offers again, most recent first.
    void addRecentFile(const QString& path);
    QStringList recentFiles() const;

    // The Run menu follows the run: Start while idle, Pause or Resume, Stop and Cancel while
    // a run is active.
    void setRunState(RunState state);
    RunState runState() const { return m_runState; }

    void setDeviceInfo(const QString& device);
    void setBlasInfo(const QString& blas, int threads);
    void setDatabasePath(const QString& path);

    // Asked before the window closes (e.g. "stop the running training?"); false keeps it open.
    void setCloseGuard(std::function<bool()> guard) { m_closeGuard = std::move(guard); }

Q_SIGNALS:
    void recentFileChosen(const QString& path);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    QAction* makeAction(Action which, const QString& text, const QKeySequence& shortcut,
                        const QString& tip);
    void buildMenus();
    void buildStatusBar();
    void refreshRecentMenu();
    void refreshMemory();
    void showAbout();
    void saveLayout() const;

    QHash<Action, QAction*> m_actions;
    QMenu* m_viewMenu = nullptr;
    QMenu* m_recentMenu = nullptr;
    RunState m_runState = RunState::Idle;
    std::function<bool()> m_closeGuard;
    QLabel* m_device = nullptr;
    QLabel* m_blas = nullptr;
    QLabel* m_memory = nullptr;
    QLabel* m_database = nullptr;
    QTimer m_memoryTimer;
};

} // namespace cpo::ui
