// The main window's frame: every menu action with its shortcut, the Run menu following the
// run, the layout and recent files restored from QSettings, the close guard, the palettes
// and the log panel.

#include "log_view.h"
#include "main_window.h"
#include "theme.h"

#include <QtCore/QSettings>
#include <QtCore/QTemporaryDir>
#include <QtGui/QAction>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>
#include <QtWidgets/QApplication>
#include <QtWidgets/QDockWidget>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMenu>
#include <QtWidgets/QMenuBar>

using cpo::ui::MainWindow;
using Action = cpo::ui::MainWindow::Action;

namespace {

// A window with the views the app docks, named as the app names them.
void addViews(MainWindow& window)
{
    auto* dashboard = new QLabel(QStringLiteral("dashboard"));
    dashboard->setObjectName(QStringLiteral("dashboard"));
    auto* log = new QLabel(QStringLiteral("log"));
    log->setObjectName(QStringLiteral("log"));
    window.addDockView(dashboard, QStringLiteral("Dashboard"), Qt::RightDockWidgetArea);
    window.addDockView(log, QStringLiteral("Log"), Qt::BottomDockWidgetArea);
}

QDockWidget* dock(MainWindow& window, const QString& name)
{
    return window.findChild<QDockWidget*>(name + QStringLiteral("Dock"));
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_settingsDir.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
        QCoreApplication::setOrganizationName(QStringLiteral("cpo-studio-test"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_main_window"));
    }

    void init() { QSettings().clear(); }

    void actionsHaveTheirShortcuts_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<QString>("shortcut");
        QTest::newRow("open") << int(Action::OpenExperiment) << "Ctrl+O";
        QTest::newRow("save") << int(Action::SaveExperiment) << "Ctrl+S";
        QTest::newRow("save as") << int(Action::SaveExperimentAs) << "Ctrl+Shift+S";
        QTest::newRow("follow remote") << int(Action::FollowRemoteRun) << "Ctrl+Shift+R";
        QTest::newRow("stop following") << int(Action::StopFollowing) << "Ctrl+Shift+T";
        QTest::newRow("quit") << int(Action::Quit) << "Ctrl+Q";
        QTest::newRow("start") << int(Action::StartRun) << "F5";
        QTest::newRow("pause") << int(Action::PauseResumeRun) << "F6";
        QTest::newRow("stop") << int(Action::StopRun) << "Shift+F5";
        QTest::newRow("cancel") << int(Action::CancelRun) << "Ctrl+Shift+F5";
        QTest::newRow("about") << int(Action::About) << "F1";
    }

    void actionsHaveTheirShortcuts()
    {
        QFETCH(int, which);
        QFETCH(QString, shortcut);
        MainWindow window;
        QAction* action = window.action(static_cast<Action>(which));
        QVERIFY(action);
        QCOMPARE(action->shortcut().toString(QKeySequence::PortableText), shortcut);
    }

    void everyMenuEntryShowsAShortcut()
    {
        MainWindow window;
        addViews(window);
        QStringList without;
        for (QAction* menuAction : window.menuBar()->actions()) {
            for (QAction* entry : menuAction->menu()->actions()) {
                if (entry->isSeparator() || entry->menu())
                    continue; // a submenu (Open Recent) is no command
                if (entry->shortcut().isEmpty())
                    without << entry->text();
            }
        }
        QVERIFY2(without.isEmpty(), qPrintable(without.join(QStringLiteral(", "))));
        // The View menu toggles each dock.
        QCOMPARE(dock(window, QStringLiteral("log"))->toggleViewAction()->shortcut(),
                 QKeySequence(Qt::ALT | Qt::Key_2));
    }

    void viewShortcutRaisesATabBehindAnother()
    {
        MainWindow window;
        addViews(window);
        auto* judging = new QLabel(QStringLiteral("judging"));
        judging->setObjectName(QStringLiteral("judging"));
        window.addDockView(judging, QStringLiteral("Judging"), Qt::RightDockWidgetArea);
        auto* dashboardDock = dock(window, QStringLiteral("dashboard"));
        auto* judgingDock = dock(window, QStringLiteral("judging"));
        window.tabifyDockWidget(dashboardDock, judgingDock);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        judgingDock->raise();
        QTRY_VERIFY(dashboardDock->visibleRegion().isEmpty()); // behind Judging's tab
        QAction* toggle = dashboardDock->toggleViewAction();
        toggle->trigger(); // Alt+1: to the front, not hidden
        QTRY_VERIFY(!dashboardDock->visibleRegion().isEmpty());
        QVERIFY(!dashboardDock->isHidden());
        QVERIFY(toggle->isChecked());
        toggle->trigger(); // in front already: hidden, as the View menu's check mark says
        QVERIFY(dashboardDock->isHidden());
        QVERIFY(!toggle->isChecked());
        toggle->trigger();
        QVERIFY(!dashboardDock->isHidden());
        QVERIFY(toggle->isChecked());
    }

    void runMenuFollowsTheRun()
    {
        MainWindow window;
        QVERIFY(window.action(Action::StartRun)->isEnabled());
        QVERIFY(!window.action(Action::StopRun)->isEnabled());
        window.setRunState(cpo::ui::RunState::Running);
        QVERIFY(!window.action(Action::StartRun)->isEnabled());
        QVERIFY(window.action(Action::StopRun)->isEnabled());
        QVERIFY(window.action(Action::CancelRun)->isEnabled());
        QCOMPARE(window.action(Action::PauseResumeRun)->text(), QStringLiteral("&Pause"));
        window.setRunState(cpo::ui::RunState::Paused);
        QCOMPARE(window.action(Action::PauseResumeRun)->text(), QStringLiteral("&Resume"));
    }

    void layoutAndRecentFilesAreRestored()
    {
        {
            MainWindow window;
            addViews(window);
            QVERIFY(!window.restoreLayout()); // nothing saved yet
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            window.resize(1111, 777);
            dock(window, QStringLiteral("log"))->hide();
            window.splitDockWidget(dock(window, QStringLiteral("dashboard")),
                                   dock(window, QStringLiteral("log")), Qt::Vertical);
            window.addRecentFile(m_settingsDir.filePath(QStringLiteral("a.json")));
            window.addRecentFile(m_settingsDir.filePath(QStringLiteral("b.json")));
            window.addRecentFile(m_settingsDir.filePath(QStringLiteral("a.json")));
            QVERIFY(window.close());
        }
        MainWindow window;
        addViews(window);
        QVERIFY(window.restoreLayout());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.size(), QSize(1111, 777));
        QVERIFY(dock(window, QStringLiteral("log"))->isHidden());
        QVERIFY(!dock(window, QStringLiteral("dashboard"))->isHidden());
        QCOMPARE(window.recentFiles(),
                 (QStringList{m_settingsDir.filePath(QStringLiteral("a.json")),
                              m_settingsDir.filePath(QStringLiteral("b.json"))}));
        QSignalSpy chosen(&window, &MainWindow::recentFileChosen);
        QMenu* recent = nullptr;
        for (QAction* entry : window.menuBar()->actions().first()->menu()->actions())
            if (entry->menu())
                recent = entry->menu();
        QVERIFY(recent);
        recent->actions().at(1)->trigger();
        QCOMPARE(chosen.count(), 1);
        QCOMPARE(chosen.first().first().toString(),
                 m_settingsDir.filePath(QStringLiteral("b.json")));
    }

    void closeGuardCanKeepTheWindowOpen()
    {
        MainWindow window;
        bool allow = false;
        int asked = 0;
        window.setCloseGuard([&] {
            ++asked;
            return allow;
        });
        window.show();
        QVERIFY(!window.close());
        QVERIFY(window.isVisible());
        allow = true;
        QVERIFY(window.close());
        QCOMPARE(asked, 2);
    }

    void paletteFollowsTheDesktop()
    {
        using cpo::ui::ColorScheme;
        QCOMPARE(cpo::ui::colorSchemeOf(cpo::ui::studioPalette(ColorScheme::Dark)),
                 ColorScheme::Dark);
        QCOMPARE(cpo::ui::colorSchemeOf(cpo::ui::studioPalette(ColorScheme::Light)),
                 ColorScheme::Light);
        QPalette desktop;
        desktop.setColor(QPalette::Window, QColor(0x31, 0x36, 0x3b)); // Breeze Dark
        QCOMPARE(cpo::ui::colorSchemeOf(desktop), ColorScheme::Dark);
        desktop.setColor(QPalette::Window, QColor(0xef, 0xf0, 0xf1)); // Breeze
        QCOMPARE(cpo::ui::colorSchemeOf(desktop), ColorScheme::Light);
    }

    void logPanelKeepsTheNewestLines()
    {
        cpo::ui::LogView log;
        log.appendLine(QStringLiteral("info"), QStringLiteral("first"));
        log.appendLine(QStringLiteral("warning"), QStringLiteral("second"));
        QCOMPARE(log.toPlainText(), QStringLiteral("first\nsecond"));
        for (int i = 0; i < cpo::ui::LogView::kMaxLines + 10; ++i)
            log.appendLine(QStringLiteral("info"), QString::number(i));
        QCOMPARE(log.document()->blockCount(), cpo::ui::LogView::kMaxLines);
        QVERIFY(log.toPlainText().endsWith(QString::number(cpo::ui::LogView::kMaxLines + 9)));
    }

private:
    QTemporaryDir m_settingsDir;
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
