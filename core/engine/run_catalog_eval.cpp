// RunCatalog's readers of the evaluation tables: a connection of their own per call, so the
// catalog's long-lived one stays as run_catalog.cpp keeps it.
#include "engine/run_catalog.h"

#include "store/run_store.h"

namespace cpo::engine {
namespace {

template <typename Read>
auto withEvaluations(const std::filesystem::path& db, store::OpenMode mode, Read read)
{
    requireRunStore(db);
    store::RunStore runs(db, mode);
    store::EvaluationStore evaluations(runs.database());
    return read(evaluations);
}

} // namespace

std::vector<store::EvaluationRecord> RunCatalog::evaluations(std::int64_t runId)
{
    return withEvaluations(database(), store::OpenMode::ReadOnly,
                           [runId](store::EvaluationStore& s) { return s.evaluations(runId); });
}

std::vector<store::GenerationRecord> RunCatalog::generations(std::int64_t evaluationId)
{
    return withEvaluations(database(), store::OpenMode::ReadOnly,
                           [evaluationId](store::EvaluationStore& s) {
                               return s.generations(evaluationId);
                           });
}

std::vector<store::HumanVoteRecord> RunCatalog::humanVotes(std::int64_t evaluationId)
{
    return withEvaluations(database(), store::OpenMode::ReadOnly,
                           [evaluationId](store::EvaluationStore& s) {
                               return s.humanVotes(evaluationId);
                           });
}

std::vector<store::AlphaSweepRecord> RunCatalog::alphaSweeps(std::int64_t runId)
{
    return withEvaluations(database(), store::OpenMode::ReadOnly,
                           [runId](store::EvaluationStore& s) { return s.alphaSweeps(runId); });
}

std::int64_t RunCatalog::addHumanVote(const store::HumanVoteRecord& vote)
{
    return withEvaluations(database(), store::OpenMode::ReadWrite,
                           [&vote](store::EvaluationStore& s) { return s.addHumanVote(vote); });
}

void RunCatalog::removeHumanVote(std::int64_t voteId)
{
    withEvaluations(database(), store::OpenMode::ReadWrite,
                    [voteId](store::EvaluationStore& s) { s.removeHumanVote(voteId); });
}

} // namespace cpo::engine
