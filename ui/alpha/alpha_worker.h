#pragma once

#include "lazy_catalog.h"
#include "alpha/alpha_values.h"

#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QString>

#include <atomic>
#include <filesystem>
#include <memory>

namespace cpo::ui {

// The α view's reads and sweeps on a thread of its own (moveToThread): the runs' latest
// stored sweeps, an α's generations, and a sweep of a run's two final checkpoints
// (engine::runAlphaSweep), cancelled between two α.
class AlphaWorker : public QObject {
    Q_OBJECT

public:
    explicit AlphaWorker(QString database);
    ~AlphaWorker() override;

    // Thread-safe: the running sweep stops after the α it is evaluating.
    void requestCancel() { m_cancel = true; }

public Q_SLOTS:
    void loadCurves(const QList<qint64>& runIds);
    void loadGenerations(qint64 evaluationId, double alpha, qint64 otherEvaluationId,
                         double otherAlpha);
    void runSweep(const cpo::ui::AlphaSweepLaunch& launch);

Q_SIGNALS:
    void curvesLoaded(const cpo::ui::AlphaCurves& curves);
    void generationsLoaded(const cpo::ui::AlphaGenerations& generations);
    void sweepProgressed(int done, int total);
    void sweepEnded(const QString& message);
    void failed(const QString& message);

private:
    bool open();

    LazyCatalog m_catalog;
    QList<qint64> m_runs;
    std::atomic<bool> m_cancel{false};
};

} // namespace cpo::ui
