#include "store/candidate_score_store.h"

#include "store/column_values.h"

namespace cpo::store {
namespace {

constexpr char kUpsertScoreSql[] =
    "INSERT INTO candidate_scores (sample_set_id, idx, checkpoint_phase, checkpoint_step, "
    "logp_theta, logp_ref, reward, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (sample_set_id, checkpoint_phase, checkpoint_step, idx) DO UPDATE SET "
    "logp_theta = excluded.logp_theta, logp_ref = excluded.logp_ref, reward = excluded.reward, "
    "created_at = excluded.created_at";
constexpr char kSelectScoresSql[] =
    "SELECT idx, logp_theta, logp_ref, reward, created_at FROM candidate_scores "
    "WHERE sample_set_id = ? AND checkpoint_phase = ? AND checkpoint_step = ? ORDER BY idx";

} // namespace

void CandidateScoreStore::put(std::span<const CandidateScoreRecord> scores)
{
    Transaction transaction(m_db);
    Statement upsert(m_db, kUpsertScoreSql);
    for (const auto& score : scores) {
        upsert.bindInt64(1, score.sampleSetId);
        upsert.bindInt64(2, score.idx);
        upsert.bindText(3, score.checkpointPhase);
        upsert.bindInt64(4, score.checkpointStep);
        upsert.bindBlob(5, asBlob(score.logpTheta));
        upsert.bindBlob(6, asBlob(score.logpRef));
        upsert.bindDouble(7, score.reward);
        upsert.bindInt64(8, stampOrNow(score.createdAt));
        upsert.run();
        upsert.reset();
    }
    transaction.commit();
}

std::vector<CandidateScoreRecord> CandidateScoreStore::read(std::int64_t sampleSetId,
                                                            const std::string& phase,
                                                            std::int64_t checkpointStep)
{
    Statement select(m_db, kSelectScoresSql);
    select.bindInt64(1, sampleSetId);
    select.bindText(2, phase);
    select.bindInt64(3, checkpointStep);
    std::vector<CandidateScoreRecord> scores;
    while (select.step()) {
        CandidateScoreRecord score;
        score.sampleSetId = sampleSetId;
        score.idx = static_cast<int>(select.columnInt64(0));
        score.checkpointPhase = phase;
        score.checkpointStep = checkpointStep;
        score.logpTheta = fromBlob<float>(select.columnBlob(1), m_db, "logp_theta");
        score.logpRef = fromBlob<float>(select.columnBlob(2), m_db, "logp_ref");
        score.reward = select.columnDouble(3);
        score.createdAt = select.columnInt64(4);
        scores.push_back(std::move(score));
    }
    return scores;
}

} // namespace cpo::store
