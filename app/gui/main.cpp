// `cpo-studio`: the desktop app. Parses its few arguments, docks the views in the main
// window and shows it.

#include "dashboard/dashboard_view.h"
#include "dashboard/stored_series_loader.h"
#include "log_relay.h"
#include "log_view.h"
#include "main_window.h"
#include "playground_view.h"
#include "theme.h"

#include "perf/machine_info.h"
#include "util/log.h"
#include "util/paths.h"
#include "util/version.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QElapsedTimer>
#include <QtCore/QTimer>
#include <QtCore/QThread>
#include <QtWidgets/QApplication>
#include <QtWidgets/QDockWidget>

namespace {

// The status bar's device and BLAS figures: probing the BLAS runs a matmul, so it happens on
// its own thread while the window is already up.
QThread* describeMachineFor(cpo::ui::MainWindow& window)
{
    return QThread::create([&window] {
        const auto info = cpo::perf::describeMachine();
        QMetaObject::invokeMethod(&window, [&window, info] {
            window.setDeviceInfo(QString::fromStdString(info.device));
            window.setBlasInfo(QString::fromStdString(info.blas),
                               info.blasThreads > 0 ? info.blasThreads : info.torchThreads);
        });
    });
}

} // namespace

int main(int argc, char** argv)
{
    QElapsedTimer sinceLaunch;
    sinceLaunch.start();
    QApplication app(argc, argv);
    QApplication::setOrganizationName("cpo-studio");
    QApplication::setApplicationName("CPO Studio");
    const auto version = cpo::versionString();
    QApplication::setApplicationVersion(
        QString::fromUtf8(version.data(), static_cast<qsizetype>(version.size())));

    QCommandLineParser parser;
    parser.setApplicationDescription("CPO Studio: a lab for sequence-level Contrastive "
                                     "Preference Optimization");
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption model("model", "Hugging Face model folder to open.", "dir");
    const QCommandLineOption tokenizer("tokenizer", "Tokenizer folder or file.", "path");
    const QCommandLineOption prompt("prompt", "Prompt to start with.", "text");
    const QCommandLineOption generate("generate", "Start generating at once.");
    parser.addOptions({model, tokenizer, prompt, generate});
    parser.process(app);

    cpo::ui::applyTheme(app);
    cpo::ui::LogRelay logRelay;
    cpo::log::addSink(logRelay.sink());

    cpo::ui::MainWindow window;
    auto* dashboard = new cpo::ui::DashboardView;
    dashboard->setObjectName("dashboard");
    auto* playground = new cpo::ui::PlaygroundView;
    auto* log = new cpo::ui::LogView;
    QObject::connect(&logRelay, &cpo::ui::LogRelay::line, log, &cpo::ui::LogView::appendLine);
    auto* dashboardDock = window.addDockView(dashboard, QObject::tr("Dashboard"),
                                             Qt::RightDockWidgetArea);
    auto* logDock = window.addDockView(log, QObject::tr("Log"), Qt::RightDockWidgetArea);
    window.splitDockWidget(dashboardDock, logDock, Qt::Vertical);
    auto* playgroundDock = window.addDockView(playground, QObject::tr("Playground"),
                                              Qt::RightDockWidgetArea);
    window.tabifyDockWidget(dashboardDock, playgroundDock);
    dashboardDock->raise();
    const QString database = QString::fromStdString(cpo::defaultDatabasePath().string());
    window.setDatabasePath(database);
    const bool restored = window.restoreLayout();

    // The dashboard opens on the newest run in the store, read off the GUI thread.
    cpo::ui::StoredSeriesLoader storedSeries(database);
    QObject::connect(&storedSeries, &cpo::ui::StoredSeriesLoader::runFound, dashboard,
                     [dashboard](qint64 id, const QString& name) {
                         dashboard->setRuns({{id, name}});
                     });
    QObject::connect(&storedSeries, &cpo::ui::StoredSeriesLoader::seriesLoaded, dashboard,
                     [dashboard](qint64 id, const QString& key,
                                 const std::vector<std::int64_t>& steps,
                                 const std::vector<double>& values) {
                         dashboard->appendPoints(id, key, steps, values);
                     });
    storedSeries.loadLatest();

    if (parser.isSet(model))
        playground->setModelDir(parser.value(model));
    if (parser.isSet(tokenizer))
        playground->setTokenizerPath(parser.value(tokenizer));
    if (parser.isSet(prompt))
        playground->setPrompt(parser.value(prompt));
    window.show();
    if (!restored) // the first start: the plots get most of the height
        window.resizeDocks({dashboardDock, logDock}, {820, 130}, Qt::Vertical);
    QTimer::singleShot(0, &window, [&sinceLaunch] {
        cpo::log::get("app")->info("main window shown {} ms after main() began",
                                   sinceLaunch.elapsed());
    });
    if (parser.isSet(generate)) {
        playgroundDock->raise();
        playground->startGeneration();
    }

    QThread* machine = describeMachineFor(window);
    machine->start();
    const int status = QApplication::exec();
    machine->wait();
    delete machine;
    return status;
}
