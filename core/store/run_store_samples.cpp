// RunStore: sample sets with their candidates, and judges' cached verdicts.
#include "store/run_store.h"

#include "store/column_values.h"

#include <unordered_map>

namespace cpo::store {
namespace {

constexpr char kInsertSampleSetSql[] =
    "INSERT INTO sample_sets (run_id, phase, step, prompt, created_at) VALUES (?, ?, ?, ?, ?)";
constexpr char kInsertCandidateSql[] =
    "INSERT INTO candidates (sample_set_id, idx, role, strategy, text, token_ids, logp_theta, "
    "logp_ref, reward, similarity, rank) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kSelectSampleSetsSql[] =
    "SELECT id, run_id, phase, step, prompt, created_at FROM sample_sets WHERE run_id = ? "
    "ORDER BY step, id";
constexpr char kSelectCandidatesSql[] =
    "SELECT c.sample_set_id, c.idx, c.role, c.strategy, c.text, c.token_ids, c.logp_theta, "
    "c.logp_ref, c.reward, c.similarity, c.rank FROM candidates AS c "
    "JOIN sample_sets AS s ON s.id = c.sample_set_id WHERE s.run_id = ? "
    "ORDER BY s.step, s.id, c.idx";

constexpr char kInsertJudgmentSql[] =
    "INSERT INTO judgments (judge_config_hash, prompt_hash, pair_hash, order_ab, verdict, "
    "raw_answer, latency_ms, cost, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (judge_config_hash, prompt_hash, pair_hash, order_ab) DO NOTHING";
constexpr char kSelectJudgmentSql[] =
    "SELECT id, judge_config_hash, prompt_hash, pair_hash, order_ab, verdict, raw_answer, "
    "latency_ms, cost, created_at FROM judgments WHERE judge_config_hash = ? "
    "AND prompt_hash = ? AND pair_hash = ? AND order_ab = ?";

std::string_view roleName(CandidateRole role)
{
    return role == CandidateRole::GroundTruth ? "ground_truth" : "negative";
}

CandidateRecord readCandidate(const Statement& row, const Database& db)
{
    CandidateRecord candidate;
    candidate.idx = static_cast<int>(row.columnInt64(1));
    candidate.role = row.columnText(2) == "ground_truth" ? CandidateRole::GroundTruth
                                                         : CandidateRole::Negative;
    candidate.strategy = row.columnText(3);
    candidate.text = row.columnText(4);
    candidate.tokenIds = fromBlob<std::int32_t>(row.columnBlob(5), db, "token_ids");
    candidate.logpTheta = fromBlob<float>(row.columnBlob(6), db, "logp_theta");
    candidate.logpRef = fromBlob<float>(row.columnBlob(7), db, "logp_ref");
    candidate.reward = optionalDouble(row, 8);
    candidate.similarity = optionalDouble(row, 9);
    if (const auto rank = optionalInt64(row, 10))
        candidate.rank = static_cast<int>(*rank);
    return candidate;
}

} // namespace

std::int64_t RunStore::insertSampleSet(const SampleSetRecord& set)
{
    Transaction transaction(m_db);
    Statement insertSet(m_db, kInsertSampleSetSql);
    insertSet.bindInt64(1, set.runId);
    insertSet.bindText(2, set.phase);
    insertSet.bindInt64(3, set.step);
    insertSet.bindText(4, set.prompt);
    insertSet.bindInt64(5, stampOrNow(set.createdAt));
    insertSet.run();
    const std::int64_t setId = m_db.lastInsertRowId();

    Statement insert(m_db, kInsertCandidateSql);
    for (const CandidateRecord& candidate : set.candidates) {
        insert.bindInt64(1, setId);
        insert.bindInt64(2, candidate.idx);
        insert.bindText(3, roleName(candidate.role));
        insert.bindText(4, candidate.strategy);
        insert.bindText(5, candidate.text);
        insert.bindBlob(6, asBlob(candidate.tokenIds));
        bindBlobOrNull(insert, 7, candidate.logpTheta);
        bindBlobOrNull(insert, 8, candidate.logpRef);
        bindOptional(insert, 9, candidate.reward);
        bindOptional(insert, 10, candidate.similarity);
        bindOptional(insert, 11, candidate.rank ? std::optional<std::int64_t>(*candidate.rank)
                                                : std::nullopt);
        insert.run();
        insert.reset();
    }
    transaction.commit();
    return setId;
}

std::vector<SampleSetRecord> RunStore::readSampleSets(std::int64_t runId)
{
    // Both statements read inside one transaction, so sets and candidates match even while
    // the writer adds more.
    Transaction snapshot(m_db, TransactionKind::Read);
    std::vector<SampleSetRecord> sets;
    std::unordered_map<std::int64_t, std::size_t> indexById;
    Statement selectSets(m_db, kSelectSampleSetsSql);
    selectSets.bindInt64(1, runId);
    while (selectSets.step()) {
        SampleSetRecord set;
        set.id = selectSets.columnInt64(0);
        set.runId = selectSets.columnInt64(1);
        set.phase = selectSets.columnText(2);
        set.step = selectSets.columnInt64(3);
        set.prompt = selectSets.columnText(4);
        set.createdAt = selectSets.columnInt64(5);
        indexById.emplace(set.id, sets.size());
        sets.push_back(std::move(set));
    }
    Statement selectCandidates(m_db, kSelectCandidatesSql);
    selectCandidates.bindInt64(1, runId);
    while (selectCandidates.step()) {
        const auto found = indexById.find(selectCandidates.columnInt64(0));
        if (found != indexById.end())
            sets[found->second].candidates.push_back(readCandidate(selectCandidates, m_db));
    }
    snapshot.commit();
    return sets;
}

bool RunStore::insertJudgment(const JudgmentRecord& judgment)
{
    Statement insert(m_db, kInsertJudgmentSql);
    insert.bindText(1, judgment.judgeConfigHash);
    insert.bindText(2, judgment.promptHash);
    insert.bindText(3, judgment.pairHash);
    insert.bindInt64(4, judgment.orderAb ? 1 : 0);
    insert.bindText(5, judgment.verdict);
    insert.bindText(6, judgment.rawAnswer);
    insert.bindDouble(7, judgment.latencyMs);
    insert.bindDouble(8, judgment.cost);
    insert.bindInt64(9, stampOrNow(judgment.createdAt));
    insert.run();
    return m_db.changes() > 0;
}

std::optional<JudgmentRecord> RunStore::findJudgment(std::string_view judgeConfigHash,
                                                     std::string_view promptHash,
                                                     std::string_view pairHash, bool orderAb)
{
    Statement select(m_db, kSelectJudgmentSql);
    select.bindText(1, judgeConfigHash);
    select.bindText(2, promptHash);
    select.bindText(3, pairHash);
    select.bindInt64(4, orderAb ? 1 : 0);
    if (!select.step())
        return std::nullopt;
    JudgmentRecord judgment;
    judgment.id = select.columnInt64(0);
    judgment.judgeConfigHash = select.columnText(1);
    judgment.promptHash = select.columnText(2);
    judgment.pairHash = select.columnText(3);
    judgment.orderAb = select.columnInt64(4) != 0;
    judgment.verdict = select.columnText(5);
    judgment.rawAnswer = select.columnText(6);
    judgment.latencyMs = select.columnDouble(7);
    judgment.cost = select.columnDouble(8);
    judgment.createdAt = select.columnInt64(9);
    return judgment;
}

} // namespace cpo::store
