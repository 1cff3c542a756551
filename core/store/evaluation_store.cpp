#include "store/evaluation_store.h"

#include <chrono>

namespace cpo::store {
namespace {

constexpr char kInsertEvaluationSql[] =
    "INSERT INTO evaluations (run_id, eval_set, model_label, alpha, step, judge, decoding, "
    "summary, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kSelectEvaluationsSql[] =
    "SELECT id, run_id, eval_set, model_label, alpha, step, judge, decoding, summary, "
    "created_at FROM evaluations WHERE run_id = ? ORDER BY step, id";
constexpr char kInsertGenerationSql[] =
    "INSERT INTO generations (evaluation_id, example_hash, prompt, reference, text, verdict, "
    "category, tokens, reference_tokens, judge_detail, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kSelectGenerationsSql[] =
    "SELECT id, evaluation_id, example_hash, prompt, reference, text, verdict, category, "
    "tokens, reference_tokens, judge_detail, created_at FROM generations "
    "WHERE evaluation_id = ? ORDER BY id";
constexpr char kInsertSweepSql[] =
    "INSERT INTO alpha_sweeps (run_id, eval_set, judge, created_at) VALUES (?, ?, ?, ?)";
constexpr char kInsertPointSql[] =
    "INSERT INTO alpha_points (sweep_id, alpha, evaluation_id, wins, ties, losses, win_rate, "
    "ci_low, ci_high) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kSelectSweepsSql[] =
    "SELECT id, run_id, eval_set, judge, created_at FROM alpha_sweeps WHERE run_id = ? "
    "ORDER BY id";
constexpr char kSelectPointsSql[] =
    "SELECT alpha, evaluation_id, wins, ties, losses, win_rate, ci_low, ci_high "
    "FROM alpha_points WHERE sweep_id = ? ORDER BY alpha";
constexpr char kInsertVoteSql[] =
    "INSERT INTO human_votes (generation_id, order_ab, choice, voter, created_at) "
    "VALUES (?, ?, ?, ?, ?)";
constexpr char kDeleteVoteSql[] = "DELETE FROM human_votes WHERE id = ?";
constexpr char kSelectVotesSql[] =
    "SELECT v.id, v.generation_id, v.order_ab, v.choice, v.voter, v.created_at "
    "FROM human_votes AS v JOIN generations AS g ON g.id = v.generation_id "
    "WHERE g.evaluation_id = ? ORDER BY v.id";

std::int64_t stampOrNow(std::int64_t time)
{
    using namespace std::chrono;
    return time != 0 ? time
                     : duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string textOr(const Statement& select, int column, const char* fallback)
{
    return select.isNull(column) ? std::string(fallback) : select.columnText(column);
}

} // namespace

std::int64_t EvaluationStore::insertEvaluation(const EvaluationRecord& evaluation,
                                               std::span<const GenerationRecord> generations)
{
    Transaction transaction(m_db);
    Statement insert(m_db, kInsertEvaluationSql);
    insert.bindInt64(1, evaluation.runId);
    insert.bindText(2, evaluation.evalSet);
    insert.bindText(3, evaluation.modelLabel);
    if (evaluation.alpha)
        insert.bindDouble(4, *evaluation.alpha);
    else
        insert.bindNull(4);
    insert.bindInt64(5, evaluation.step);
    insert.bindText(6, evaluation.judge);
    insert.bindText(7, evaluation.decodingJson);
    insert.bindText(8, evaluation.summaryJson.empty() ? "{}" : evaluation.summaryJson);
    insert.bindInt64(9, stampOrNow(evaluation.createdAt));
    insert.run();
    const std::int64_t id = m_db.lastInsertRowId();
    Statement row(m_db, kInsertGenerationSql);
    for (const auto& generation : generations) {
        row.reset();
        row.bindInt64(1, id);
        row.bindText(2, generation.exampleHash);
        row.bindText(3, generation.prompt);
        row.bindText(4, generation.reference);
        row.bindText(5, generation.text);
        if (generation.verdict)
            row.bindText(6, *generation.verdict);
        else
            row.bindNull(6);
        row.bindText(7, generation.category);
        row.bindInt64(8, generation.tokens);
        row.bindInt64(9, generation.referenceTokens);
        row.bindText(10, generation.judgeDetail);
        row.bindInt64(11, stampOrNow(generation.createdAt));
        row.run();
    }
    transaction.commit();
    return id;
}

std::vector<EvaluationRecord> EvaluationStore::evaluations(std::int64_t runId)
{
    Statement select(m_db, kSelectEvaluationsSql);
    select.bindInt64(1, runId);
    std::vector<EvaluationRecord> rows;
    while (select.step()) {
        EvaluationRecord row;
        row.id = select.columnInt64(0);
        row.runId = select.columnInt64(1);
        row.evalSet = select.columnText(2);
        row.modelLabel = select.columnText(3);
        if (!select.isNull(4))
            row.alpha = select.columnDouble(4);
        row.step = select.columnInt64(5);
        row.judge = select.columnText(6);
        row.decodingJson = textOr(select, 7, "{}");
        row.summaryJson = textOr(select, 8, "{}");
        row.createdAt = select.columnInt64(9);
        rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<GenerationRecord> EvaluationStore::generations(std::int64_t evaluationId)
{
    Statement select(m_db, kSelectGenerationsSql);
    select.bindInt64(1, evaluationId);
    std::vector<GenerationRecord> rows;
    while (select.step()) {
        GenerationRecord row;
        row.id = select.columnInt64(0);
        row.evaluationId = select.columnInt64(1);
        row.exampleHash = select.columnText(2);
        row.prompt = select.columnText(3);
        row.reference = select.columnText(4);
        row.text = select.columnText(5);
        if (!select.isNull(6))
            row.verdict = select.columnText(6);
        row.category = textOr(select, 7, "");
        row.tokens = select.isNull(8) ? 0 : select.columnInt64(8);
        row.referenceTokens = select.isNull(9) ? 0 : select.columnInt64(9);
        row.judgeDetail = textOr(select, 10, "");
        row.createdAt = select.columnInt64(11);
        rows.push_back(std::move(row));
    }
    return rows;
}

std::int64_t EvaluationStore::insertAlphaSweep(const AlphaSweepRecord& sweep)
{
    Transaction transaction(m_db);
    Statement insert(m_db, kInsertSweepSql);
    insert.bindInt64(1, sweep.runId);
    insert.bindText(2, sweep.evalSet);
    insert.bindText(3, sweep.judge);
    insert.bindInt64(4, stampOrNow(sweep.createdAt));
    insert.run();
    const std::int64_t id = m_db.lastInsertRowId();
    Statement point(m_db, kInsertPointSql);
    for (const auto& p : sweep.points) {
        point.reset();
        point.bindInt64(1, id);
        point.bindDouble(2, p.alpha);
        if (p.evaluationId)
            point.bindInt64(3, *p.evaluationId);
        else
            point.bindNull(3);
        point.bindInt64(4, p.wins);
        point.bindInt64(5, p.ties);
        point.bindInt64(6, p.losses);
        point.bindDouble(7, p.winRate);
        point.bindDouble(8, p.ciLow);
        point.bindDouble(9, p.ciHigh);
        point.run();
    }
    transaction.commit();
    return id;
}

std::vector<AlphaSweepRecord> EvaluationStore::alphaSweeps(std::int64_t runId)
{
    Transaction snapshot(m_db, TransactionKind::Read);
    Statement select(m_db, kSelectSweepsSql);
    select.bindInt64(1, runId);
    std::vector<AlphaSweepRecord> sweeps;
    while (select.step()) {
        AlphaSweepRecord sweep;
        sweep.id = select.columnInt64(0);
        sweep.runId = select.columnInt64(1);
        sweep.evalSet = select.columnText(2);
        sweep.judge = select.columnText(3);
        sweep.createdAt = select.columnInt64(4);
        sweeps.push_back(std::move(sweep));
    }
    Statement points(m_db, kSelectPointsSql);
    for (auto& sweep : sweeps) {
        points.reset();
        points.bindInt64(1, sweep.id);
        while (points.step()) {
            AlphaPointRecord p;
            p.alpha = points.columnDouble(0);
            if (!points.isNull(1))
                p.evaluationId = points.columnInt64(1);
            p.wins = points.columnInt64(2);
            p.ties = points.columnInt64(3);
            p.losses = points.columnInt64(4);
            p.winRate = points.columnDouble(5);
            p.ciLow = points.columnDouble(6);
            p.ciHigh = points.columnDouble(7);
            sweep.points.push_back(p);
        }
    }
    snapshot.commit();
    return sweeps;
}

std::int64_t EvaluationStore::addHumanVote(const HumanVoteRecord& vote)
{
    Statement insert(m_db, kInsertVoteSql);
    insert.bindInt64(1, vote.generationId);
    insert.bindInt64(2, vote.orderAb ? 1 : 0);
    insert.bindText(3, vote.choice);
    insert.bindText(4, vote.voter);
    insert.bindInt64(5, stampOrNow(vote.createdAt));
    insert.run();
    return m_db.lastInsertRowId();
}

void EvaluationStore::removeHumanVote(std::int64_t voteId)
{
    Statement remove(m_db, kDeleteVoteSql);
    remove.bindInt64(1, voteId);
    remove.run();
}

std::vector<HumanVoteRecord> EvaluationStore::humanVotes(std::int64_t evaluationId)
{
    Statement select(m_db, kSelectVotesSql);
    select.bindInt64(1, evaluationId);
    std::vector<HumanVoteRecord> votes;
    while (select.step()) {
        HumanVoteRecord vote;
        vote.id = select.columnInt64(0);
        vote.generationId = select.columnInt64(1);
        vote.orderAb = select.columnInt64(2) != 0;
        vote.choice = select.columnText(3);
        vote.voter = select.columnText(4);
        vote.createdAt = select.columnInt64(5);
        votes.push_back(std::move(vote));
    }
    return votes;
}

} // namespace cpo::store
