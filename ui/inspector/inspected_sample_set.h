#pragma once

#include "store/records.h"

#include <QtCore/QMetaType>
#include <QtCore/QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace cpo::ui {

// A checkpoint of the run to score a sample set under.
struct InspectorCheckpoint {
    QString phase; // "cpo"
    qint64 step = 0;
    QString path;
};

// What the inspector asks its worker for: a stored sample set as drawn, or its candidates
// scored again under a checkpoint.
struct InspectorRequest {
    qint64 runId = 0;
    qint64 sampleSetId = 0;
    std::optional<InspectorCheckpoint> checkpoint;
};

// A sample set ready to show: the stored record (with the per-token log-probs and rewards of
// the weights it is shown under) and each candidate's tokens as text.
struct InspectedSampleSet {
    qint64 runId = 0;
    store::SampleSetRecord set;
    std::vector<std::vector<QString>> pieces; // per candidate, per token
    bool tokensAsIds = false;                 // the oracle task: symbols are shown as ids
    std::optional<InspectorCheckpoint> scoredAt; // none: as the trainer drew and scored them
};

// One stored sample set of a run without its candidates: what the example list, the step
// slider and "follow latest" need.
struct SampleSetEntry {
    qint64 id = 0;
    QString phase;
    qint64 step = 0;
    QString prompt;
};

// A run's sample sets and CPO checkpoints, the inspector's index of what it can show.
struct InspectorIndex {
    qint64 runId = 0;
    std::vector<SampleSetEntry> sampleSets;   // by step
    std::vector<InspectorCheckpoint> checkpoints; // by step
};

} // namespace cpo::ui

Q_DECLARE_METATYPE(cpo::ui::InspectorRequest)
Q_DECLARE_METATYPE(cpo::ui::InspectedSampleSet)
Q_DECLARE_METATYPE(cpo::ui::InspectorIndex)
