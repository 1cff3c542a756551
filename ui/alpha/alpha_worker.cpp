#include "alpha/alpha_worker.h"

#include "engine/alpha_sweep_session.h"
#include "engine/run_catalog.h"
#include "util/error.h"

namespace cpo::ui {

AlphaWorker::AlphaWorker(QString database) : m_catalog(database) {}

AlphaWorker::~AlphaWorker() = default;

bool AlphaWorker::open()
{
    return m_catalog.open([this](const QString& message) { Q_EMIT failed(message); });
}

void AlphaWorker::loadCurves(const QList<qint64>& runIds)
{
    m_runs = runIds;
    if (!open())
        return;
    try {
        AlphaCurves curves;
        for (const qint64 id : runIds) {
            auto sweeps = m_catalog->alphaSweeps(id);
            if (sweeps.empty())
                continue;
            const auto run = m_catalog->requireRun(id);
            const auto oracle = engine::alphaOracleValues(sweeps.back(),
                                                          m_catalog->evaluations(id));
            curves.push_back({id, QStringLiteral("%1 #%2").arg(QString::fromStdString(run.name))
                                      .arg(id),
                              std::move(sweeps.back()), oracle});
        }
        Q_EMIT curvesLoaded(curves);
    } catch (const std::exception& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
    }
}

void AlphaWorker::loadGenerations(qint64 evaluationId, double alpha, qint64 otherEvaluationId,
                                  double otherAlpha)
{
    if (!open())
        return;
    try {
        AlphaGenerations out;
        out.alpha = alpha;
        out.otherAlpha = otherAlpha;
        out.shown = m_catalog->generations(evaluationId);
        if (otherEvaluationId > 0)
            out.other = m_catalog->generations(otherEvaluationId);
        Q_EMIT generationsLoaded(out);
    } catch (const std::exception& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
    }
}

void AlphaWorker::runSweep(const AlphaSweepLaunch& launch)
{
    m_cancel = false;
    if (!open()) {
        Q_EMIT sweepEnded(tr("No run store to sweep in"));
        return;
    }
    try {
        const auto run = m_catalog->requireRun(launch.runId);
        if (run.runDir.empty())
            throw Error("run " + std::to_string(launch.runId) + " recorded no run folder");
        engine::AlphaSweepRequest request;
        request.runDir = run.runDir;
        const auto mle = engine::lastPhaseCheckpoint(request.runDir, "mle");
        const auto cpo = engine::lastPhaseCheckpoint(request.runDir, "cpo");
        if (!mle || !cpo)
            throw Error("run " + std::to_string(launch.runId)
                        + " needs a checkpoint of both phases (MLE and CPO) to be swept");
        request.mleModel = *mle;
        request.cpoModel = *cpo;
        request.alphas.assign(launch.alphas.begin(), launch.alphas.end());
        request.examples = launch.examples;
        request.judgeFile = launch.judgeFile.toStdString();
        request.db = m_catalog.database();
        const auto total = static_cast<int>(request.alphas.size());
        const auto result = engine::runAlphaSweep(
            request,
            [this, total](std::size_t done, std::size_t, const engine::AlphaPoint&) {
                Q_EMIT sweepProgressed(static_cast<int>(done), total);
            },
            {}, [this] { return m_cancel.load(); });
        const auto done = static_cast<int>(result.points.size());
        Q_EMIT sweepEnded(!result.cancelled ? (result.stored
                                                   ? tr("Sweep of %1 α stored").arg(total)
                                                   : tr("Sweep of %1 α done (not stored: no "
                                                        "judge)")
                                                         .arg(total))
                          : result.stored ? tr("Sweep cancelled after %1 of %2 α: those %1 "
                                               "stored")
                                                .arg(done)
                                                .arg(total)
                                          : tr("Sweep cancelled after %1 of %2 α (nothing "
                                               "stored)")
                                                .arg(done)
                                                .arg(total));
        if (result.stored)
            loadCurves(m_runs.contains(launch.runId) ? m_runs : QList<qint64>{launch.runId});
    } catch (const std::exception& e) {
        Q_EMIT sweepEnded(tr("Sweep failed: %1").arg(QString::fromStdString(e.what())));
    }
}

} // namespace cpo::ui
