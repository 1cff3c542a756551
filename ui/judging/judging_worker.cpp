#include "judging/judging_worker.h"

#include "engine/run_catalog.h"

namespace cpo::ui {

JudgingWorker::JudgingWorker(QString database) : m_catalog(database) {}

JudgingWorker::~JudgingWorker() = default;

bool JudgingWorker::open()
{
    return m_catalog.open([this](const QString& message) { Q_EMIT failed(message); });
}

void JudgingWorker::load(qint64 runId)
{
    m_run = runId;
    reload();
}

void JudgingWorker::reload()
{
    if (!m_run || !open())
        return;
    try {
        Q_EMIT loaded(*m_run, engine::judgedExamples(*m_catalog, *m_run));
    } catch (const std::exception& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
    }
}

void JudgingWorker::addVote(const store::HumanVoteRecord& vote)
{
    if (!open())
        return;
    try {
        const auto id = m_catalog->addHumanVote(vote);
        Q_EMIT voteStored(vote.generationId, id);
    } catch (const std::exception& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
    }
}

void JudgingWorker::removeVote(qint64 voteId)
{
    if (!open())
        return;
    try {
        m_catalog->removeHumanVote(voteId);
    } catch (const std::exception& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
    }
}

} // namespace cpo::ui
