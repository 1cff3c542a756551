#pragma once

#include "lazy_catalog.h"
#include "inspector/inspected_sample_set.h"

#include <QtCore/QObject>
#include <QtCore/QString>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <vector>

class QTimer;

namespace cpo::engine {
class SampleSetScorer;
}

namespace cpo::ui {

// The inspector's reads and scoring, on a thread of its own (moveToThread): a run's index of
// sample sets and checkpoints (again whenever the store changed, so "follow latest" follows
// a live run), a sample set with its tokens as text, and the same set scored under a
// checkpoint (engine::SampleSetScorer: LibTorch, seconds the first time, then from the store).
// Everything it sends is a value.
class InspectorWorker : public QObject {
    Q_OBJECT

public:
    explicit InspectorWorker(QString database, int pollMs = 1000);
    ~InspectorWorker() override;

public Q_SLOTS:
    void start(); // on the worker's thread
    void loadIndex(qint64 runId);
    void load(const cpo::ui::InspectorRequest& request);

Q_SIGNALS:
    void indexReady(const cpo::ui::InspectorIndex& index);
    void sampleSetReady(const cpo::ui::InspectedSampleSet& set);
    void failed(const QString& message);

private:
    bool open();
    void poll();
    engine::SampleSetScorer* scorer(qint64 runId);
    const store::SampleSetRecord* findSet(qint64 runId, qint64 sampleSetId);

    int m_pollMs;
    QTimer* m_timer = nullptr;
    LazyCatalog m_catalog;
    std::int64_t m_version = -1;
    std::optional<qint64> m_run; // the run whose index is followed
    std::vector<store::SampleSetRecord> m_sets; // the followed run's, by step
    std::map<qint64, std::unique_ptr<engine::SampleSetScorer>> m_scorers;
};

} // namespace cpo::ui
