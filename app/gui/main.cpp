// `cpo-studio`: the desktop app. Parses its arguments, puts the views together in the main
// window (ui/studio_session.h) and shows it.

#include "log_relay.h"
#include "main_window.h"
#include "studio_arguments.h"
#include "studio_session.h"
#include "theme.h"

#include "perf/machine_info.h"
#include "util/heap_tuning.h"
#include "util/log.h"
#include "util/version.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QThread>
#include <QtCore/QTimer>
#include <QtWidgets/QApplication>

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
    cpo::keepLargeBlocksInHeap(); // the app trains in-process: steps reuse their largest buffers
    QElapsedTimer sinceLaunch;
    sinceLaunch.start();
    QApplication app(argc, argv);
    QApplication::setOrganizationName("cpo-studio");
    QApplication::setApplicationName("CPO Studio");
    const auto version = cpo::versionString();
    QApplication::setApplicationVersion(
        QString::fromUtf8(version.data(), static_cast<qsizetype>(version.size())));
    const cpo::ui::StudioArguments arguments = cpo::ui::studioArgumentsOrExit(app);

    cpo::ui::applyTheme(app);
    cpo::ui::LogRelay logRelay;
    cpo::log::addSink(logRelay.sink());

    cpo::ui::MainWindow window;
    auto* session = new cpo::ui::StudioSession(window, arguments, logRelay); // window's child
    const bool restored = window.restoreLayout();
    window.show();
    session->start(restored);
    QTimer::singleShot(0, &window, [&sinceLaunch] {
        cpo::log::get("app")->info("main window shown {} ms after main() began",
                                   sinceLaunch.elapsed());
    });

    QThread* machine = describeMachineFor(window);
    machine->start();
    const int status = QApplication::exec();
    machine->wait();
    delete machine;
    return status;
}
