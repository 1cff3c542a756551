// Generation for evaluation, the likelihood judges (oracle teacher, LM), the evaluator that
// stores generations and verdicts, and the α = 1 ensemble's generations.

#include "oracle/oracle_task.h"
#include "engine/evaluation_session.h"
#include "eval/eval_generation.h"
#include "eval/kl_estimate.h"
#include "eval/lm_judge.h"
#include "eval/oracle_judge.h"
#include "model/interpolate.h"
#include "oracle_fixture.h"
#include "store/evaluation_store.h"
#include "store/run_store.h"
#include "util/error.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <QtCore/QTemporaryDir>
#include <QtTest>

#include <random>

using namespace cpo;
using eval::Preference;

namespace {

// The teacher's greedy continuation of each prefix over its symbols (never EOS), then EOS:
// the most likely well-formed continuation, token by token.
std::vector<std::vector<std::int32_t>> greedyTeacher(const data::OracleTask& task,
                                                     std::span<const data::TokenizedExample>
                                                         examples)
{
    torch::NoGradGuard noGrad;
    const auto symbols = task.options().symbols;
    std::vector<std::vector<std::int32_t>> out;
    for (const auto& example : examples) {
        std::vector<std::int64_t> ids(example.prefix.begin(), example.prefix.end());
        std::vector<std::int32_t> continuation;
        for (std::int64_t t = 0; t < task.options().continuationTokens; ++t) {
            const auto logits = task.teacher().forward(torch::tensor(ids).unsqueeze(0)).logits;
            const auto next = logits[0][-1].slice(0, 0, symbols).argmax().item<std::int64_t>();
            ids.push_back(next);
            continuation.push_back(static_cast<std::int32_t>(next));
        }
        continuation.push_back(task.eosId());
        out.push_back(std::move(continuation));
    }
    return out;
}

std::vector<std::int32_t> uniformSymbols(std::int64_t symbols, std::int64_t length,
                                         std::int32_t eos, std::mt19937& rng)
{
    std::uniform_int_distribution<std::int32_t> draw(0, static_cast<std::int32_t>(symbols) - 1);
    std::vector<std::int32_t> out;
    for (std::int64_t i = 0; i < length; ++i)
        out.push_back(draw(rng));
    out.push_back(eos);
    return out;
}

} // namespace

class TestEvaluation : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<data::OracleTask> m_task;
    std::vector<data::TokenizedExample> m_test;

private Q_SLOTS:
    void initTestCase();
    void oracleJudgePrefersTheTeachersGreedyContinuation();
    void earlyEosLosesToTheOracle();
    void lmJudgePrefersItsOwnGreedyContinuation();
    void alphaOneReproducesTheMleGenerations();
    void evaluatorStoresGenerationsAndVerdicts();
    void klEstimateFromTheModelsOwnSamples();
    void modelListsParse();
};

void TestEvaluation::initTestCase()
{
    torch::set_num_threads(1);
    m_task = std::make_unique<data::OracleTask>(test::tinyOracleOptions(11, 16, 16, 64));
    m_test = m_task->examples(data::Split::Test);
    QCOMPARE(m_test.size(), std::size_t(64));
}

void TestEvaluation::oracleJudgePrefersTheTeachersGreedyContinuation()
{
    const auto greedy = greedyTeacher(*m_task, m_test);
    std::mt19937 rng(3);
    std::vector<eval::JudgePair> pairs;
    for (std::size_t i = 0; i < m_test.size(); ++i) {
        eval::JudgePair pair;
        pair.promptTokens = m_test[i].prefix;
        pair.aTokens = greedy[i];
        pair.bTokens = uniformSymbols(m_task->options().symbols,
                                      m_task->options().continuationTokens, m_task->eosId(), rng);
        // Half of the pairs the other way round: the judge must not prefer a position.
        if (i % 2 == 1)
            std::swap(pair.aTokens, pair.bTokens);
        pairs.push_back(std::move(pair));
    }
    for (const auto score : {engine::LikelihoodScore::PerToken, engine::LikelihoodScore::Total}) {
        eval::OracleJudge judge(*m_task, score);
        const auto verdicts = judge.judge(pairs);
        int greedyWins = 0;
        for (std::size_t i = 0; i < verdicts.size(); ++i) {
            const auto expected = i % 2 == 0 ? Preference::A : Preference::B;
            greedyWins += verdicts[i].preference == expected ? 1 : 0;
            QVERIFY(verdicts[i].probabilityA.has_value());
            QVERIFY(!verdicts[i].aImpossible && !verdicts[i].bImpossible);
        }
        QVERIFY2(greedyWins == static_cast<int>(pairs.size()),
                 qPrintable(QString("greedy won %1 of %2").arg(greedyWins).arg(pairs.size())));
    }
}

void TestEvaluation::earlyEosLosesToTheOracle()
{
    std::mt19937 rng(5);
    eval::JudgePair pair;
    pair.promptTokens = m_test[0].prefix;
    // Three symbols of the truth, then EOS: the teacher never stops that early.
    pair.aTokens.assign(m_test[0].continuation.begin(), m_test[0].continuation.begin() + 3);
    pair.aTokens.push_back(m_task->eosId());
    pair.bTokens = uniformSymbols(m_task->options().symbols,
                                  m_task->options().continuationTokens, m_task->eosId(), rng);
    eval::OracleJudge judge(*m_task, engine::LikelihoodScore::Total);
    const auto verdict = judge.judge(std::span(&pair, 1)).front();
    QVERIFY(verdict.aImpossible);
    QVERIFY(!verdict.bImpossible);
    QVERIFY(verdict.preference == Preference::B);
    QCOMPARE(*verdict.probabilityA, 0.0);
    // Both impossible: a tie, and both counted.
    pair.bTokens = pair.aTokens;
    const auto both = judge.judge(std::span(&pair, 1)).front();
    QVERIFY(both.aImpossible && both.bImpossible);
    QVERIFY(both.preference == Preference::Tie);
}

void TestEvaluation::lmJudgePrefersItsOwnGreedyContinuation()
{
    auto scorer = test::oracleStudent(m_task->options(), 21, 32, 2, 64);
    eval::Decoding greedy;
    greedy.maxNewTokens = 8;
    const auto generated = eval::generateContinuations(*scorer, m_test, greedy, std::nullopt);
    std::mt19937 rng(9);
    std::vector<eval::JudgePair> pairs;
    for (std::size_t i = 0; i < m_test.size(); ++i) {
        eval::JudgePair pair;
        pair.promptTokens = m_test[i].prefix;
        pair.aTokens = generated[i].tokens;
        QCOMPARE(pair.aTokens.size(), std::size_t(8));
        pair.bTokens = uniformSymbols(m_task->options().symbols, 7, m_task->eosId(), rng);
        pairs.push_back(std::move(pair));
    }
    eval::LmJudge judge(scorer, engine::LikelihoodScore::PerToken, 16);
    const auto verdicts = judge.judge(pairs);
    for (const auto& verdict : verdicts) {
        QVERIFY(verdict.preference == Preference::A);
        QVERIFY(*verdict.probabilityA > 0.5);
    }
}

void TestEvaluation::alphaOneReproducesTheMleGenerations()
{
    auto mle = test::oracleStudent(m_task->options(), 1, 32, 2, 64);
    auto cpo = test::oracleStudent(m_task->options(), 2, 32, 2, 64);
    eval::Decoding sampled;
    sampled.sampling.temperature = 1.0;
    sampled.seed = 1234;
    sampled.batchSize = 16;
    const auto reference =
        eval::generateContinuations(*mle, m_test, sampled, std::int64_t{m_task->eosId()});
    auto buffer = model::cloneModel(*mle);
    model::interpolateInto(*buffer, *mle, *cpo, 0.3); // the buffer held another blend first
    model::interpolateInto(*buffer, *mle, *cpo, 1.0);
    const auto alphaOne =
        eval::generateContinuations(*buffer, m_test, sampled, std::int64_t{m_task->eosId()});
    QCOMPARE(alphaOne.size(), reference.size());
    for (std::size_t i = 0; i < reference.size(); ++i)
        QVERIFY2(alphaOne[i].tokens == reference[i].tokens, qPrintable(QString::number(i)));
    // And the CPO model's are different: the comparison can fail.
    const auto other =
        eval::generateContinuations(*cpo, m_test, sampled, std::int64_t{m_task->eosId()});
    int same = 0;
    for (std::size_t i = 0; i < reference.size(); ++i)
        same += other[i].tokens == reference[i].tokens ? 1 : 0;
    QVERIFY(same < static_cast<int>(reference.size()));
}

void TestEvaluation::evaluatorStoresGenerationsAndVerdicts()
{
    QTemporaryDir dir;
    store::RunStore store(dir.filePath("runs.sqlite").toStdString());
    store::RunRecord run;
    run.name = "eval";
    run.experimentJson = "{}";
    const auto runId = store.createRun(run);
    data::OracleTokenizer tokenizer(m_task->options().symbols);
    eval::OracleJudge judge(*m_task, engine::LikelihoodScore::PerToken);
    eval::Decoding decoding;
    decoding.sampling.temperature = 1.0;
    decoding.seed = 5;
    engine::Evaluator evaluator(m_test, tokenizer, &judge, "oracle", decoding);
    auto student = test::oracleStudent(m_task->options(), 4, 32, 2, 64);
    const auto result =
        evaluator.evaluate(*student, {"cpo", std::nullopt}, 300, &store, runId, "test");
    QCOMPARE(result.tally.total() + result.failures, std::int64_t(m_test.size()));
    QCOMPARE(result.failures, 0);
    QVERIFY(result.winRate.ciLow <= result.winRate.rate &&
            result.winRate.rate <= result.winRate.ciHigh);
    // An untrained student stops early now and then: those lose and are counted.
    QVERIFY(result.impossibleShare >= 0.0 && result.impossibleShare <= 1.0);

    store::EvaluationStore evaluations(store.database());
    const auto rows = evaluations.evaluations(runId);
    QCOMPARE(rows.size(), std::size_t(1));
    QCOMPARE(rows[0].modelLabel, std::string("cpo"));
    QCOMPARE(rows[0].step, 300);
    const auto summary = nlohmann::json::parse(rows[0].summaryJson);
    QCOMPARE(summary["win_rate"].get<double>(), result.winRate.rate);
    QCOMPARE(nlohmann::json::parse(rows[0].decodingJson)["seed"].get<int>(), 5);
    const auto generations = evaluations.generations(rows[0].id);
    QCOMPARE(generations.size(), m_test.size());
    eval::Tally fromRows;
    for (const auto& generation : generations) {
        QVERIFY(generation.verdict.has_value());
        fromRows.add(*generation.verdict == "win"   ? eval::Verdict::Win
                     : *generation.verdict == "tie" ? eval::Verdict::Tie
                                                    : eval::Verdict::Loss);
        QVERIFY(generation.reference.starts_with("s"));
        QVERIFY(generation.text.find("<eos>") == std::string::npos);
    }
    QCOMPARE(fromRows.wins, result.tally.wins);
    QCOMPARE(fromRows.losses, result.tally.losses);
    // The same seed again: the same continuations (common random numbers across models).
    const auto again =
        evaluator.evaluate(*student, {"cpo", std::nullopt}, 300, nullptr, runId, "test");
    QCOMPARE(again.tally.wins, result.tally.wins);
}

void TestEvaluation::klEstimateFromTheModelsOwnSamples()
{
    auto mle = test::oracleStudent(m_task->options(), 1, 32, 2, 64);
    auto cpo = test::oracleStudent(m_task->options(), 2, 32, 2, 64);
    {
        // Fresh models are nearly uniform, so nearly equal: sharpen this one.
        torch::NoGradGuard noGrad;
        for (auto& p : cpo->parameters())
            p.mul_(8.0);
    }
    const auto self = eval::klEstimate(*mle, *mle, m_test, 3);
    QCOMPARE(self.samples, std::int64_t(m_test.size()));
    QVERIFY2(std::abs(self.mean) < 1e-4, qPrintable(QString::number(self.mean)));
    const auto other = eval::klEstimate(*cpo, *mle, m_test, 3);
    QVERIFY2(other.mean > 3.0 * other.standardError && other.standardError > 0.0,
             qPrintable(QString("%1 +- %2").arg(other.mean).arg(other.standardError)));
    // The evaluator reports it for a model that is not its reference.
    data::OracleTokenizer tokenizer(m_task->options().symbols);
    eval::OracleJudge judge(*m_task, engine::LikelihoodScore::PerToken);
    engine::Evaluator evaluator(m_test, tokenizer, &judge, "oracle", eval::Decoding{});
    evaluator.setReference(mle.get());
    QVERIFY(!evaluator.evaluate(*mle, {"mle", std::nullopt}, 0, nullptr, 0, "test")
                 .klToReference);
    const auto judged = evaluator.evaluate(*cpo, {"cpo", std::nullopt}, 0, nullptr, 0, "test");
    QVERIFY(judged.klToReference.has_value());
    QVERIFY(engine::toJson(judged).contains("kl_to_mle"));
}

void TestEvaluation::modelListsParse()
{
    const auto models = engine::parseModelList("mle,cpo,alpha=0.5");
    QCOMPARE(models.size(), std::size_t(3));
    QCOMPARE(models[2].label, std::string("alpha=0.5"));
    QCOMPARE(*models[2].alpha, 0.5);
    QVERIFY_THROWS_EXCEPTION(Error, engine::parseModelList("mle,dpo"));
    QVERIFY_THROWS_EXCEPTION(Error, engine::parseModelList("alpha=x"));
}

QTEST_APPLESS_MAIN(TestEvaluation)
#include "tst_evaluation.moc"
