// A build-level test: a view as the desktop app writes one, compiled in a target that has
// Qt and the core folder on its include path but not LibTorch's include directories
// (tests/CMakeLists.txt, test `torch_free_headers`). It fails to compile when one of the
// engine API's headers pulls LibTorch in, directly or through another header.

#include "engine/event_codec.h"
#include "engine/experiment.h"
#include "engine/generation_session.h"
#include "engine/run_catalog.h"
#include "engine/run_events.h"
#include "engine/run_host.h"
#include "train/phase_events.h"
#include "util/version.h"

#include <QObject>
#include <QString>

#include <variant>

// c10/ and ATen/ sit in /usr/include on Debian, so an include of them would compile even
// here; their export macros tell that one came in.
#if defined(C10_API) || defined(TORCH_API) || defined(TORCH_CHECK)
#error "an engine API header includes LibTorch: views must compile without it"
#endif

namespace {

// Shows the latest loss of the active run, as the dashboard does.
class RunView : public QObject {
    Q_OBJECT
public:
    explicit RunView(cpo::engine::RunHost& host)
    {
        host.addListener([this](std::int64_t runId, const cpo::engine::RunEvent& event) {
            if (const auto* step = std::get_if<cpo::train::StepMetrics>(&event))
                Q_EMIT lossChanged(runId, step->loss);
        });
    }

    static QString describe(cpo::engine::RunCatalog& catalog, std::int64_t runId)
    {
        const auto run = catalog.run(runId);
        return run ? QString::fromStdString(run->name) : QString();
    }

Q_SIGNALS:
    void lossChanged(qint64 runId, double loss);
};

} // namespace

#include "run_view.moc"
