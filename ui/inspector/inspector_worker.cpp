#include "inspector/inspector_worker.h"

#include "engine/run_catalog.h"
#include "engine/sample_set_scorer.h"
#include "util/error.h"

#include <QtCore/QTimer>

#include <filesystem>

namespace cpo::ui {

InspectorWorker::InspectorWorker(QString database, int pollMs)
    : m_pollMs(pollMs), m_catalog(database)
{
}

InspectorWorker::~InspectorWorker() = default;

void InspectorWorker::start()
{
    m_timer = new QTimer(this);
    connect(m_timer, &QTimer::timeout, this, &InspectorWorker::poll);
    m_timer->start(m_pollMs);
}

bool InspectorWorker::open()
{
    return m_catalog.open([this](const QString& message) { Q_EMIT failed(message); });
}

void InspectorWorker::poll()
{
    if (!m_run || !open())
        return;
    try {
        if (m_catalog->dataVersion() != m_version)
            loadIndex(*m_run);
    } catch (const std::exception& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
    }
}

void InspectorWorker::loadIndex(qint64 runId)
{
    if (!open())
        return;
    try {
        m_version = m_catalog->dataVersion();
        m_run = runId;
        m_sets = m_catalog->sampleSets(runId);
        InspectorIndex index;
        index.runId = runId;
        for (const auto& set : m_sets)
            index.sampleSets.push_back({set.id, QString::fromStdString(set.phase), set.step,
                                        QString::fromStdString(set.prompt)});
        for (const auto& checkpoint : m_catalog->checkpoints(runId))
            if (checkpoint.phase == "cpo")
                index.checkpoints.push_back({QString::fromStdString(checkpoint.phase),
                                             checkpoint.step,
                                             QString::fromStdString(checkpoint.path)});
        Q_EMIT indexReady(index);
    } catch (const std::exception& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
    }
}

const store::SampleSetRecord* InspectorWorker::findSet(qint64 runId, qint64 sampleSetId)
{
    if (m_run != runId)
        loadIndex(runId);
    for (const auto& set : m_sets)
        if (set.id == sampleSetId)
            return &set;
    return nullptr;
}

engine::SampleSetScorer* InspectorWorker::scorer(qint64 runId)
{
    if (const auto found = m_scorers.find(runId); found != m_scorers.end())
        return found->second.get();
    const auto run = m_catalog->requireRun(runId);
    if (run.runDir.empty())
        throw Error("run " + std::to_string(runId) + " recorded no run folder: its tokens "
                    "cannot be decoded or scored again");
    auto made = std::make_unique<engine::SampleSetScorer>(run.runDir, m_catalog.database());
    return m_scorers.emplace(runId, std::move(made)).first->second.get();
}

void InspectorWorker::load(const InspectorRequest& request)
{
    if (!open())
        return;
    try {
        const auto* set = findSet(request.runId, request.sampleSetId);
        if (!set)
            throw Error("sample set " + std::to_string(request.sampleSetId) + " of run "
                        + std::to_string(request.runId) + " is no longer in the store");
        InspectedSampleSet out;
        out.runId = request.runId;
        out.set = *set;
        std::string why;
        engine::SampleSetScorer* runScorer = nullptr;
        try {
            runScorer = scorer(request.runId);
        } catch (const std::exception& e) {
            why = e.what(); // the stored values still show, the tokens as ids
        }
        if (request.checkpoint) {
            if (!runScorer)
                throw Error(why);
            out.set = runScorer->scoreUnder(*set, request.checkpoint->phase.toStdString(),
                                            request.checkpoint->step,
                                            request.checkpoint->path.toStdString());
            out.scoredAt = request.checkpoint;
        }
        out.tokensAsIds = !runScorer || runScorer->tokensAsIds();
        for (const auto& candidate : out.set.candidates) {
            std::vector<QString> pieces;
            if (runScorer)
                for (const auto& piece : runScorer->tokenPieces(candidate.tokenIds))
                    pieces.push_back(QString::fromStdString(piece));
            out.pieces.push_back(std::move(pieces));
        }
        Q_EMIT sampleSetReady(out);
        if (!why.empty())
            Q_EMIT failed(QString::fromStdString(why));
    } catch (const std::exception& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
    }
}

} // namespace cpo::ui
