#include "main_window.h"

#include "util/process_memory.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QFileInfo>
#include <QtCore/QSettings>
#include <QtGui/QAction>
#include <QtGui/QCloseEvent>
#include <QtWidgets/QDockWidget>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMenuBar>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QStatusBar>

namespace cpo::ui {
namespace {

constexpr char kGeometryKey[] = "mainWindow/geometry";
constexpr char kStateKey[] = "mainWindow/state";
constexpr char kRecentKey[] = "mainWindow/recentFiles";
// Bumped when the set of docks changes so that an old saved layout is not half applied.
constexpr int kLayoutVersion = 2;
constexpr int kMemoryRefreshMs = 2000;

QString megabytes(std::int64_t bytes)
{
    return QString::number(static_cast<double>(bytes) / (1024.0 * 1024.0), 'f', 0) +
           QStringLiteral(" MiB");
}

} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setWindowTitle(QCoreApplication::applicationName());
    setObjectName(QStringLiteral("mainWindow"));
    setDockNestingEnabled(true);
    setDockOptions(AnimatedDocks | AllowNestedDocks | AllowTabbedDocks);
    // Every view is a dock; the central area is left empty so that any of them can fill it.
    auto* centre = new QWidget(this);
    centre->setMaximumSize(0, 0);
    setCentralWidget(centre);
    buildMenus();
    buildStatusBar();
    setRunState(RunState::Idle);
    resize(1500, 950);
}

MainWindow::~MainWindow() = default;

QAction* MainWindow::makeAction(Action which, const QString& text, const QKeySequence& shortcut,
                                const QString& tip)
{
    auto* action = new QAction(text, this);
    action->setShortcut(shortcut);
    action->setStatusTip(tip);
    action->setToolTip(QStringLiteral("%1 (%2)").arg(
        QString(text).remove(QLatin1Char('&')).remove(QStringLiteral("…")),
        shortcut.toString(QKeySequence::NativeText)));
    m_actions.insert(which, action);
    return action;
}

void MainWindow::buildMenus()
{
    auto* file = menuBar()->addMenu(tr("&File"));
    file->addAction(makeAction(Action::OpenExperiment, tr("&Open Experiment…"),
                               QKeySequence(Qt::CTRL | Qt::Key_O),
                               tr("Open an experiment file in the setup form")));
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addAction(makeAction(Action::SaveExperiment, tr("&Save Experiment"),
                               QKeySequence(Qt::CTRL | Qt::Key_S),
                               tr("Save the experiment to its file")));
    file->addAction(makeAction(Action::SaveExperimentAs, tr("Save Experiment &As…"),
                               QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S),
                               tr("Save the experiment to a new file")));
    file->addSeparator();
    file->addAction(makeAction(Action::FollowRemoteRun, tr("&Follow Remote Run…"),
                               QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R),
                               tr("Mirror a run training on another machine (through ssh) "
                                  "and watch it live")));
    file->addAction(makeAction(Action::StopFollowing, tr("S&top Following"),
                               QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T),
                               tr("Stop mirroring the remote run (it goes on training there)")));
    m_actions.value(Action::StopFollowing)->setEnabled(false);
    file->addSeparator();
    auto* quit = makeAction(Action::Quit, tr("&Quit"), QKeySequence(Qt::CTRL | Qt::Key_Q),
                            tr("Close CPO Studio"));
    quit->setMenuRole(QAction::QuitRole);
    connect(quit, &QAction::triggered, this, &QWidget::close);
    file->addAction(quit);
    refreshRecentMenu();

    auto* run = menuBar()->addMenu(tr("&Run"));
    run->addAction(makeAction(Action::StartRun, tr("&Start Run"), QKeySequence(Qt::Key_F5),
                              tr("Train the experiment in the setup form")));
    run->addAction(makeAction(Action::PauseResumeRun, tr("&Pause"), QKeySequence(Qt::Key_F6),
                              tr("Hold the run between two steps, or let it go on")));
    run->addAction(makeAction(Action::StopRun, tr("S&top (Checkpoint)"),
                              QKeySequence(Qt::SHIFT | Qt::Key_F5),
                              tr("Finish the step, write a checkpoint and stop: the run can be "
                                 "resumed")));
    run->addAction(makeAction(Action::CancelRun, tr("&Cancel Run"),
                              QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F5),
                              tr("Give the run up after its step, without a checkpoint")));

    m_viewMenu = menuBar()->addMenu(tr("&View"));

    auto* help = menuBar()->addMenu(tr("&Help"));
    auto* about = makeAction(Action::About, tr("&About CPO Studio"), QKeySequence(Qt::Key_F1),
                             tr("Version and what this program is"));
    about->setMenuRole(QAction::AboutRole);
    connect(about, &QAction::triggered, this, &MainWindow::showAbout);
    help->addAction(about);
}

void MainWindow::buildStatusBar()
{
    const auto permanent = [this](QLabel*& label, const QString& tip) {
        label = new QLabel(this);
        label->setToolTip(tip);
        label->setContentsMargins(6, 0, 6, 0);
        statusBar()->addPermanentWidget(label);
    };
    permanent(m_device, tr("Where training runs"));
    permanent(m_blas, tr("The BLAS LibTorch's CPU matmuls run on, and the thread pools"));
    permanent(m_memory, tr("Memory this process holds (resident set)"));
    permanent(m_database, tr("The run database"));
    setDeviceInfo(tr("device …"));
    setBlasInfo(QString(), 0);
    setDatabasePath(QString());
    refreshMemory();
    m_memoryTimer.setInterval(kMemoryRefreshMs);
    connect(&m_memoryTimer, &QTimer::timeout, this, &MainWindow::refreshMemory);
    m_memoryTimer.start();
}

QDockWidget* MainWindow::addDockView(QWidget* view, const QString& title,
                                     Qt::DockWidgetArea area)
{
    auto* dock = new QDockWidget(title, this);
    const QString name = view->objectName().isEmpty() ? title : view->objectName();
    dock->setObjectName(name + QStringLiteral("Dock"));
    dock->setWidget(view);
    dock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable |
                      QDockWidget::DockWidgetFloatable);
    addDockWidget(area, dock);
    QAction* toggle = dock->toggleViewAction();
    // Its shortcut brings a view behind another tab to the front, where Qt's toggle would
    // hide it (the tab gone, a surprise); only a view already in front is hidden.
    disconnect(toggle, &QAction::triggered, dock, nullptr);
    connect(toggle, &QAction::triggered, dock, [this, dock] {
        if (dock->isHidden()) {
            dock->show();
            dock->raise();
        } else if (!tabifiedDockWidgets(dock).isEmpty() && dock->visibleRegion().isEmpty()) {
            dock->raise();
        } else {
            dock->close();
        }
        dock->toggleViewAction()->setChecked(!dock->isHidden());
    });
    const auto docks = m_viewMenu->actions().size();
    if (docks < 9)
        toggle->setShortcut(QKeySequence(Qt::ALT | static_cast<Qt::Key>(Qt::Key_1 + docks)));
    m_viewMenu->addAction(toggle);
    return dock;
}

bool MainWindow::restoreLayout()
{
    QSettings settings;
    const bool geometry = restoreGeometry(settings.value(kGeometryKey).toByteArray());
    return restoreState(settings.value(kStateKey).toByteArray(), kLayoutVersion) && geometry;
}

void MainWindow::saveLayout() const
{
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState(kLayoutVersion));
}

void MainWindow::addRecentFile(const QString& path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    QStringList files = recentFiles();
    files.removeAll(absolute);
    files.prepend(absolute);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    QSettings().setValue(kRecentKey, files);
    refreshRecentMenu();
}

QStringList MainWindow::recentFiles() const
{
    return QSettings().value(kRecentKey).toStringList();
}

void MainWindow::refreshRecentMenu()
{
    m_recentMenu->clear();
    const QStringList files = recentFiles();
    for (const QString& path : files) {
        auto* entry = m_recentMenu->addAction(QFileInfo(path).fileName());
        entry->setToolTip(path);
        entry->setStatusTip(path);
        connect(entry, &QAction::triggered, this,
                [this, path] { Q_EMIT recentFileChosen(path); });
    }
    m_recentMenu->setEnabled(!files.isEmpty());
}

void MainWindow::setRunState(RunState state)
{
    m_runState = state;
    const bool active = state != RunState::Idle;
    action(Action::StartRun)->setEnabled(!active);
    action(Action::PauseResumeRun)->setEnabled(active);
    action(Action::PauseResumeRun)->setText(state == RunState::Paused ? tr("&Resume")
                                                                      : tr("&Pause"));
    action(Action::StopRun)->setEnabled(active);
    action(Action::CancelRun)->setEnabled(active);
}

void MainWindow::setDeviceInfo(const QString& device) { m_device->setText(device); }

void MainWindow::setBlasInfo(const QString& blas, int threads)
{
    m_blas->setText(blas.isEmpty() ? tr("BLAS …")
                                   : tr("BLAS %1 · %n thread(s)", nullptr, threads).arg(blas));
}

void MainWindow::setDatabasePath(const QString& path)
{
    m_database->setText(path.isEmpty() ? tr("no database")
                                       : tr("DB %1").arg(QFileInfo(path).fileName()));
    m_database->setToolTip(path.isEmpty() ? tr("The run database") : path);
}

void MainWindow::refreshMemory()
{
    const auto bytes = residentBytes();
    m_memory->setText(bytes ? tr("RSS %1").arg(megabytes(*bytes)) : tr("RSS ?"));
}

void MainWindow::showAbout()
{
    QMessageBox::about(
        this, tr("About CPO Studio"),
        tr("<h3>CPO Studio %1</h3>"
           "<p>A lab for sequence-level Contrastive Preference Optimization "
           "(Feng et al., arXiv 2502.16433): train a model by maximum likelihood, then teach "
           "it to rank the ground truth above synthetic negatives, and watch it live.</p>"
           "<p>Built with Qt %2, LibTorch and QCustomPlot.</p>")
            .arg(QCoreApplication::applicationVersion(), QString::fromLatin1(qVersion())));
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (m_closeGuard && !m_closeGuard()) {
        event->ignore();
        return;
    }
    saveLayout();
    event->accept();
}

} // namespace cpo::ui
