// The in-memory α sweep (eval/alpha_sweep.h) on a tiny oracle task: its endpoints are the
// checkpoints evaluated directly, one buffer model serves every α, repeats agree bit for bit,
// and what it measures (train::heldOutLoss, eval::oracleScore) is what the trainer and the
// teacher compute.

#include "oracle_fixture.h"

#include "oracle/oracle_task.h"
#include "sweep/alpha_sweep.h"
#include "eval/oracle_score.h"
#include "model/causal_lm.h"
#include "train/held_out_loss.h"
#include "train/mle_trainer.h"
#include "util/error.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <torch/torch.h>

#include <cmath>
#include <vector>

using namespace cpo;

namespace {

data::OracleOptions tinyOracle()
{
    return test::tinyOracleOptions(11, 64, 40, 8);
}

model::CausalLM student(const data::OracleOptions& oracle, std::uint64_t seed,
                        std::int64_t hidden = 32)
{
    auto m = test::oracleStudent(oracle, seed, hidden, 2, 2 * hidden);
    {
        // Wider than HF's 0.02, so the two models (and their blends) score visibly apart.
        torch::NoGradGuard noGrad;
        for (auto& p : m->parameters())
            if (p.dim() >= 2)
                p.normal_(0.0, 0.2);
    }
    return m;
}

bool sameScores(const sweep::SweepScores& a, const sweep::SweepScores& b)
{
    return a.heldOut && b.heldOut && a.heldOut->loss == b.heldOut->loss &&
           a.heldOut->perplexity == b.heldOut->perplexity &&
           a.heldOut->tokens == b.heldOut->tokens && a.oracle && b.oracle &&
           a.oracle->logLikelihoodPerToken == b.oracle->logLikelihoodPerToken &&
           a.oracle->wellFormed == b.oracle->wellFormed && a.oracle->tokens == b.oracle->tokens;
}

} // namespace

class TestSweep : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void endpointsAreTheCheckpoints();
    void oneBufferAndRepeatsAgree();
    void midpointIsAnotherModel();
    void stopEndsTheSweepBetweenTwoAlphas();
    void mismatchedModelsThrowBeforeEvaluating();
    void parseAlphaList_data();
    void parseAlphaList();
    void heldOutLossIsTheTrainersValidation();
    void oracleScoreOfTheTeachersOwnData();

private:
    std::unique_ptr<data::OracleTask> m_task;
    std::vector<data::TokenizedExample> m_validation;
    model::CausalLM m_mle;
    model::CausalLM m_cpo;
    sweep::SweepEvaluator m_evaluate;
};

void TestSweep::initTestCase()
{
    torch::set_num_threads(1);
    m_task = std::make_unique<data::OracleTask>(tinyOracle());
    m_validation = m_task->examples(data::Split::Validation);
    m_mle = student(m_task->options(), 1);
    m_cpo = student(m_task->options(), 2);
    sweep::SweepEvaluation evaluation;
    evaluation.examples = m_validation;
    evaluation.batchSize = 16;
    evaluation.oracle = m_task.get();
    evaluation.oracleOptions.seed = 5;
    evaluation.oracleOptions.batchSize = 16;
    m_evaluate = sweep::makeSweepEvaluator(evaluation);
}

// α 1 is θ_MLE and α 0 θ_CPO exactly, so their scores equal the checkpoints' bit for bit.
void TestSweep::endpointsAreTheCheckpoints()
{
    const std::vector<double> alphas{1.0, 0.0};
    const auto points = sweep::sweepAlphas(*m_mle, *m_cpo, alphas, m_evaluate);
    QCOMPARE(points.size(), std::size_t{2});
    QCOMPARE(points[0].alpha, 1.0);
    QCOMPARE(points[1].alpha, 0.0);
    const auto mle = m_evaluate(*m_mle);
    const auto cpo = m_evaluate(*m_cpo);
    QVERIFY(sameScores(points[0].scores, mle));
    QVERIFY(sameScores(points[1].scores, cpo));
    QVERIFY(!sameScores(mle, cpo));
    // What the sweep reports is what the two routines say on their own.
    const auto direct = train::heldOutLoss(*m_mle, m_validation, 7);
    QVERIFY(std::abs(direct.loss - mle.heldOut->loss) < 1e-6); // other batching: rounding only
    QCOMPARE(direct.tokens, std::int64_t{40 * 9});             // 8 symbols + EOS each
    QVERIFY(std::abs(std::exp(mle.heldOut->loss) - mle.heldOut->perplexity) < 1e-9);
    QVERIFY(std::isfinite(mle.oracle->logLikelihoodPerToken));
    QCOMPARE(mle.oracle->samples, std::int64_t{40});
}

// One buffer model, cloned once, serves every α: the evaluator always gets the same object,
// never a checkpoint; a repeated α, after others have been written into the buffer, scores
// exactly as it did the first time; progress reports each α in order.
void TestSweep::oneBufferAndRepeatsAgree()
{
    const std::vector<double> alphas{0.5, 1.0, 0.25, 0.5, 0.0, 0.5};
    std::vector<const model::CausalLMImpl*> seen;
    bool anyTraining = false;
    const auto counting = [&](model::CausalLMImpl& model) {
        seen.push_back(&model);
        anyTraining = anyTraining || model.is_training();
        return m_evaluate(model);
    };
    std::vector<std::size_t> progress;
    const auto points = sweep::sweepAlphas(
        *m_mle, *m_cpo, alphas, counting,
        [&](std::size_t done, std::size_t total, const sweep::SweepPoint& point) {
            QCOMPARE(total, alphas.size());
            QCOMPARE(point.alpha, alphas[done - 1]);
            progress.push_back(done);
        });
    QCOMPARE(points.size(), alphas.size());
    QCOMPARE(progress, (std::vector<std::size_t>{1, 2, 3, 4, 5, 6}));
    QCOMPARE(seen.size(), alphas.size());
    QVERIFY(!anyTraining); // evaluated in eval mode
    for (const auto* model : seen) {
        QCOMPARE(model, seen.front());
        QVERIFY(model != m_mle.get() && model != m_cpo.get());
    }
    QVERIFY(sameScores(points[0].scores, points[3].scores));
    QVERIFY(sameScores(points[0].scores, points[5].scores));
    QVERIFY(!sameScores(points[0].scores, points[2].scores));
    // The checkpoints themselves are untouched.
    QVERIFY(sameScores(points[1].scores, m_evaluate(*m_mle)));
    QVERIFY(sameScores(points[4].scores, m_evaluate(*m_cpo)));
}

// A stop asked for while an α is evaluated ends the sweep before the next one: the points
// finished are returned, the rest never evaluated; a stop before the first α evaluates none.
void TestSweep::stopEndsTheSweepBetweenTwoAlphas()
{
    const std::vector<double> alphas{0.0, 0.5, 1.0};
    int evaluated = 0;
    bool cancel = false;
    const auto counting = [&](model::CausalLMImpl& model) {
        ++evaluated;
        if (evaluated == 2)
            cancel = true; // a cancel while the second α is evaluated
        return m_evaluate(model);
    };
    const auto points = sweep::sweepAlphas(*m_mle, *m_cpo, alphas, counting, {},
                                           [&] { return cancel; });
    QCOMPARE(evaluated, 2);
    QCOMPARE(points.size(), std::size_t{2});
    QCOMPARE(points[1].alpha, 0.5);
    QVERIFY(points[1].scores.heldOut);
    QVERIFY(sweep::sweepAlphas(*m_mle, *m_cpo, alphas, counting, {}, [] { return true; })
                .empty());
    QCOMPARE(evaluated, 2);
}

void TestSweep::midpointIsAnotherModel()
{
    const std::vector<double> alphas{0.5};
    const auto mid = sweep::sweepAlphas(*m_mle, *m_cpo, alphas, m_evaluate).front();
    QVERIFY(std::isfinite(mid.scores.heldOut->loss));
    QVERIFY(mid.scores.heldOut->loss != m_evaluate(*m_mle).heldOut->loss);
    QVERIFY(mid.scores.heldOut->loss != m_evaluate(*m_cpo).heldOut->loss);
    QVERIFY(mid.seconds >= 0.0);
}

void TestSweep::mismatchedModelsThrowBeforeEvaluating()
{
    const auto wider = student(m_task->options(), 3, 48);
    int evaluations = 0;
    const auto counting = [&](model::CausalLMImpl& model) {
        ++evaluations;
        return m_evaluate(model);
    };
    const std::vector<double> alphas{0.0, 0.5};
    QVERIFY_THROWS_EXCEPTION(Error, sweep::sweepAlphas(*m_mle, *wider, alphas, counting));
    try {
        sweep::sweepAlphas(*m_mle, *wider, alphas, counting);
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains("cannot interpolate"), e.what());
    }
    QCOMPARE(evaluations, 0);
    QVERIFY_THROWS_EXCEPTION(Error, sweep::sweepAlphas(*m_mle, *m_cpo, {}, counting));
    const std::vector<double> nan{std::numeric_limits<double>::quiet_NaN()};
    QVERIFY_THROWS_EXCEPTION(Error, sweep::sweepAlphas(*m_mle, *m_cpo, nan, counting));
    QCOMPARE(evaluations, 0);
}

void TestSweep::parseAlphaList_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QList<double>>("expected"); // empty: an error naming `bad`
    QTest::addColumn<QString>("bad");
    QTest::newRow("the default") << "0,0.1,0.3,0.5,0.7,0.9,1"
                                 << QList<double>{0, 0.1, 0.3, 0.5, 0.7, 0.9, 1} << "";
    QTest::newRow("spaces and repeats") << " 1 , 0.5,0.5 " << QList<double>{1, 0.5, 0.5} << "";
    QTest::newRow("extrapolation allowed") << "-0.5,1.5" << QList<double>{-0.5, 1.5} << "";
    QTest::newRow("a word") << "0,half,1" << QList<double>{} << "'half'";
    QTest::newRow("an empty item") << "0,,1" << QList<double>{} << "''";
    QTest::newRow("a trailing comma") << "0,1," << QList<double>{} << "''";
    QTest::newRow("trailing junk") << "0,1x" << QList<double>{} << "'1x'";
    QTest::newRow("not finite") << "0,nan" << QList<double>{} << "'nan'";
    QTest::newRow("empty") << "  " << QList<double>{} << "empty";
}

void TestSweep::parseAlphaList()
{
    QFETCH(QString, text);
    QFETCH(QList<double>, expected);
    QFETCH(QString, bad);
    if (!expected.isEmpty()) {
        const auto alphas = sweep::parseAlphaList(text.toStdString());
        QCOMPARE(QList<double>(alphas.begin(), alphas.end()), expected);
        return;
    }
    try {
        sweep::parseAlphaList(text.toStdString());
        QFAIL("no error");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains(bad), e.what());
        QVERIFY2(!QString(e.what()).contains('\n'), e.what());
    }
}

// The MLE trainer's validation is train::heldOutLoss with its evaluation batch size.
void TestSweep::heldOutLossIsTheTrainersValidation()
{
    const auto trainSet = m_task->examples(data::Split::Train);
    auto model = model::cloneModel(*m_mle);
    train::MleOptions options;
    options.steps = 1;
    options.batchSize = 4;
    options.evalExamples = 30;
    QTemporaryDir dir;
    train::MleTrainer trainer(model, trainSet, m_validation, options, dir.path().toStdString());
    const auto validation = trainer.validate();
    QVERIFY(validation.has_value());
    const auto direct = train::heldOutLoss(*model, m_validation, 16, 30);
    QCOMPARE(validation->loss, direct.loss);
    QCOMPARE(validation->perplexity, direct.perplexity);
    QCOMPARE(validation->tokens, std::int64_t{30 * 9});
    QCOMPARE(direct.tokens, validation->tokens);
}

// The teacher scoring its own samples: a sanity anchor for the oracle score. The mean
// log-likelihood per token lies near minus its entropy, as on the task's own examples.
void TestSweep::oracleScoreOfTheTeachersOwnData()
{
    auto& teacher = m_task->teacher();
    const auto score = eval::oracleScore(teacher, *m_task, m_validation, {3, {}, 16});
    QCOMPARE(score.samples, std::int64_t{40});
    // The task's data forbid an early EOS; free sampling from the teacher rarely emits one.
    QVERIFY2(score.wellFormed > 0.5, qPrintable(QString::number(score.wellFormed)));
    QCOMPARE(score.tokens, std::llround(score.wellFormed * 40) * 8);
    std::vector<std::vector<tokenize::TokenId>> prefixes;
    std::vector<std::vector<tokenize::TokenId>> continuations;
    for (const auto& e : m_validation) {
        prefixes.push_back(e.prefix);
        continuations.push_back(e.continuation);
    }
    double data = 0.0;
    for (const double ll : m_task->logLikelihood(prefixes, continuations))
        data += ll;
    data /= 40.0 * 8.0;
    qInfo("teacher log p per token: own samples %.3f, the task's examples %.3f",
          score.logLikelihoodPerToken, data);
    QVERIFY(std::abs(score.logLikelihoodPerToken - data) < 0.5);
    // A random student's samples are far less likely under the teacher.
    const auto random = eval::oracleScore(*m_mle, *m_task, m_validation, {3, {}, 16});
    QVERIFY(random.logLikelihoodPerToken < score.logLikelihoodPerToken);
}

QTEST_MAIN(TestSweep)
#include "tst_sweep.moc"
