// The ranking of CPO's negatives (DESIGN.md §1), the rank correlations its metrics report,
// and the weight-space ensemble. Golden values are computed by hand in the comments.

#include "eval/correlation.h"
#include "model/causal_lm.h"
#include "model/interpolate.h"
#include "train/ranking.h"
#include "util/error.h"

#include <QtTest/QtTest>

#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

using namespace cpo;

namespace {

model::ModelConfig tinyConfig(model::Architecture arch)
{
    model::ModelConfig c;
    c.arch = arch;
    c.vocabSize = 20;
    c.hiddenSize = 8;
    c.numLayers = 2;
    c.numHeads = 2;
    c.numKeyValueHeads = arch == model::Architecture::Gpt2 ? 2 : 1;
    c.intermediateSize = 16;
    c.maxPositions = 16;
    return c;
}

model::CausalLM tinyModel(const model::ModelConfig& config, std::uint64_t seed)
{
    torch::manual_seed(seed);
    return model::createModel(config);
}

std::vector<double> toVector(const QList<double>& values)
{
    return {values.begin(), values.end()};
}

// The message of the cpo::Error that `action` throws, or an empty string when it does not.
template <typename Action>
QString errorMessage(Action&& action)
{
    try {
        action();
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

struct RankingRow {
    int prompt;
    int continuation;
};

} // namespace

class TestRanking : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void correlations_data();
    void correlations();
    void correlationsRejectDifferentLengths();
    void rankBySimilarity_data();
    void rankBySimilarity();
    void continuationEmbeddingsAreMeanHiddenStates_data();
    void continuationEmbeddingsAreMeanHiddenStates();
    void continuationEmbeddingsRejectEmptyContinuation();
    void interpolationEndpointsAreExact();
    void interpolationFollowsFormula_data();
    void interpolationFollowsFormula();
    void interpolationKeepsSharedParametersExact();
    void interpolateIntoReusesModel();
    void interpolationRejectsMismatch_data();
    void interpolationRejectsMismatch();
};

void TestRanking::correlations_data()
{
    QTest::addColumn<QList<double>>("a");
    QTest::addColumn<QList<double>>("b");
    QTest::addColumn<double>("tau");
    QTest::addColumn<double>("rho");
    // tau-b = (C − D) / sqrt((n0 − n1)(n0 − n2)), n0 = n(n−1)/2 pairs, n1 / n2 pairs tied
    // in a / b. rho = Pearson correlation of the average ranks (mean (n+1)/2).
    QTest::newRow("same order") << QList<double>{1, 2, 3, 4} << QList<double>{10, 20, 30, 40}
                                << 1.0 << 1.0;
    QTest::newRow("reversed") << QList<double>{1, 2, 3, 4} << QList<double>{4, 3, 2, 1} << -1.0
                              << -1.0;
    // Pairs (0,1) and (2,3) discordant, 8 concordant: tau = 6/10. d = (−1, 1, −1, 1, 0),
    // Σd² = 4: rho = 1 − 6·4 / (5·24) = 0.8.
    QTest::newRow("two swaps") << QList<double>{1, 2, 3, 4, 5} << QList<double>{2, 1, 4, 3, 5}
                               << 0.6 << 0.8;
    // C = 4 ((0,1) (0,2) (0,3) (1,3)), D = 0, n0 = 6, (1,2) tied in a, (2,3) tied in b:
    // tau = 4 / sqrt(5·5) = 0.8. Ranks a (1, 2.5, 2.5, 4), b (1, 2, 3.5, 3.5); deviations
    // from 2.5: a (−1.5, 0, 0, 1.5), b (−1.5, −0.5, 1, 1); Σ = 3.75, Σa² = Σb² = 4.5:
    // rho = 3.75 / 4.5 = 5/6.
    QTest::newRow("ties in both") << QList<double>{1, 2, 2, 3} << QList<double>{1, 2, 3, 3}
                                  << 0.8 << 5.0 / 6.0;
    // (0,1) tied in a; (0,2) and (1,2) discordant: tau = −2 / sqrt((3 − 1)·3) = −2/√6.
    // Ranks a (1.5, 1.5, 3), b (3, 2, 1); deviations from 2: a (−.5, −.5, 1), b (1, 0, −1);
    // Σ = −1.5, Σa² = 1.5, Σb² = 2: rho = −1.5 / √3 = −√3/2.
    QTest::newRow("tie against a reversal") << QList<double>{1, 1, 2} << QList<double>{3, 2, 1}
                                            << -2.0 / std::sqrt(6.0) << -std::sqrt(3.0) / 2.0;
    // Rewards of 4 candidates against the target order 4 > 3 > 2 > 1 (y1 first). C = 3
    // ((0,1) (0,2) (0,3)), D = 2 ((1,2) (1,3)), (2,3) tied in a: tau = 1 / sqrt(5·6) = 1/√30.
    // Ranks a (4, 1, 2.5, 2.5), b (4, 3, 2, 1); deviations from 2.5: a (1.5, −1.5, 0, 0),
    // b (1.5, .5, −.5, −1.5); Σ = 1.5, Σa² = 4.5, Σb² = 5: rho = 1.5 / √22.5 = 1/√10.
    QTest::newRow("rewards vs target") << QList<double>{0.5, -1.0, 0.2, 0.2}
                                       << QList<double>{4, 3, 2, 1} << 1.0 / std::sqrt(30.0)
                                       << 1.0 / std::sqrt(10.0);
    // Degenerate: no pair to compare, or one side without variation: no evidence, 0.
    QTest::newRow("no items") << QList<double>{} << QList<double>{} << 0.0 << 0.0;
    QTest::newRow("one item") << QList<double>{5} << QList<double>{7} << 0.0 << 0.0;
    QTest::newRow("a constant") << QList<double>{2, 2, 2} << QList<double>{1, 2, 3} << 0.0
                                << 0.0;
    QTest::newRow("both constant") << QList<double>{1, 1} << QList<double>{4, 4} << 0.0 << 0.0;
}

void TestRanking::correlations()
{
    QFETCH(QList<double>, a);
    QFETCH(QList<double>, b);
    QFETCH(double, tau);
    QFETCH(double, rho);
    const auto x = toVector(a);
    const auto y = toVector(b);
    const double gotTau = eval::kendallTau(x, y);
    const double gotRho = eval::spearmanRho(x, y);
    QVERIFY2(std::abs(gotTau - tau) < 1e-12, qPrintable(QString::number(gotTau, 'g', 17)));
    QVERIFY2(std::abs(gotRho - rho) < 1e-12, qPrintable(QString::number(gotRho, 'g', 17)));
    // Both are symmetric in their arguments.
    QCOMPARE(eval::kendallTau(y, x), gotTau);
    QCOMPARE(eval::spearmanRho(y, x), gotRho);
}

void TestRanking::correlationsRejectDifferentLengths()
{
    const std::vector<double> three{1, 2, 3};
    const std::vector<double> two{1, 2};
    QVERIFY(errorMessage([&] { eval::kendallTau(three, two); }).contains("3 and 2"));
    QVERIFY(errorMessage([&] { eval::spearmanRho(three, two); }).contains("3 and 2"));
}

void TestRanking::rankBySimilarity_data()
{
    QTest::addColumn<QList<double>>("truth");
    QTest::addColumn<QList<double>>("negatives"); // rows of truth's width, flattened
    QTest::addColumn<QList<qint64>>("order");
    QTest::addColumn<QList<double>>("similarities");
    const double r = 1.0 / std::sqrt(2.0);
    // Against (1, 0): (2,2) and (1,1) both 1/√2 — an exact tie, since scaling by 2 is exact
    // in floating point; (0,1) 0; (3,0) 1; (−1,0) −1; (0,0) has no direction: 0, tied with
    // (0,1). Ties keep index order.
    QTest::newRow("directions and ties")
        << QList<double>{1, 0} << QList<double>{2, 2, 0, 1, 3, 0, -1, 0, 1, 1, 0, 0}
        << QList<qint64>{2, 0, 4, 1, 5, 3} << QList<double>{r, 0, 1, -1, r, 0};
    // |(1,2,2)| = 3. (2,1,2): 8/9; (−2,−1,−2): −8/9; (0,0,4): 8/12 = 2/3.
    QTest::newRow("three dimensions")
        << QList<double>{1, 2, 2} << QList<double>{2, 1, 2, -2, -1, -2, 0, 0, 4}
        << QList<qint64>{0, 2, 1} << QList<double>{8.0 / 9.0, -8.0 / 9.0, 2.0 / 3.0};
    QTest::newRow("all parallel") << QList<double>{0, 0, 1} << QList<double>{0, 0, 2, 0, 0, 1,
                                                                               0, 0, 5}
                                  << QList<qint64>{0, 1, 2} << QList<double>{1, 1, 1};
    QTest::newRow("no negatives") << QList<double>{1, 0} << QList<double>{} << QList<qint64>{}
                                  << QList<double>{};
}

void TestRanking::rankBySimilarity()
{
    QFETCH(QList<double>, truth);
    QFETCH(QList<double>, negatives);
    QFETCH(QList<qint64>, order);
    QFETCH(QList<double>, similarities);
    const auto width = static_cast<std::int64_t>(truth.size());
    // float32 embeddings, as continuationEmbeddings returns them; every value above is exact.
    const auto truthTensor = torch::tensor(toVector(truth), torch::kFloat64).to(torch::kFloat32);
    const auto negativeTensor = torch::tensor(toVector(negatives), torch::kFloat64)
                                    .to(torch::kFloat32)
                                    .reshape({-1, width});
    const auto ranked = train::rankBySimilarity(truthTensor, negativeTensor);
    QCOMPARE(QList<qint64>(ranked.order.begin(), ranked.order.end()), order);
    QCOMPARE(ranked.similarities.size(), static_cast<std::size_t>(similarities.size()));
    for (qsizetype k = 0; k < similarities.size(); ++k)
        QVERIFY2(std::abs(ranked.similarities[static_cast<std::size_t>(k)] - similarities[k]) <
                     1e-12,
                 qPrintable(QString("negative %1").arg(k)));
}

void TestRanking::continuationEmbeddingsAreMeanHiddenStates_data()
{
    QTest::addColumn<int>("arch");
    QTest::addColumn<bool>("leftPadded");
    QTest::newRow("gpt2, right padded") << int(model::Architecture::Gpt2) << false;
    QTest::newRow("gpt2, left padded") << int(model::Architecture::Gpt2) << true;
    QTest::newRow("llama, right padded") << int(model::Architecture::Llama) << false;
    QTest::newRow("llama, left padded") << int(model::Architecture::Llama) << true;
}

// Each row's embedding, computed in a padded batch, equals the mean of forward().hidden over
// its continuation positions when the row runs alone and unpadded.
void TestRanking::continuationEmbeddingsAreMeanHiddenStates()
{
    QFETCH(int, arch);
    QFETCH(bool, leftPadded);
    auto lm = tinyModel(tinyConfig(static_cast<model::Architecture>(arch)), 5);
    const std::vector<RankingRow> rows{{3, 4}, {2, 2}, {4, 1}};
    const std::int64_t width = 7;
    torch::manual_seed(9);
    const auto tokens = torch::randint(1, 20, {3, width}, torch::kInt64);
    auto ids = torch::zeros({3, width}, torch::kInt64);
    auto attention = torch::zeros_like(ids);
    auto continuation = torch::zeros_like(ids);
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const auto row = static_cast<std::int64_t>(r);
        const std::int64_t length = rows[r].prompt + rows[r].continuation;
        const std::int64_t start = leftPadded ? width - length : 0;
        ids[row].slice(0, start, start + length) = tokens[row].slice(0, 0, length);
        attention[row].slice(0, start, start + length) = 1;
        // Every position after the prompt: right padding included, which the attention
        // mask must exclude.
        continuation[row].slice(0, start + rows[r].prompt, width) = 1;
    }
    lm->train();
    const auto embeddings = train::continuationEmbeddings(*lm, ids, attention, continuation);
    QVERIFY(lm->is_training()); // the model's mode is restored
    QCOMPARE(embeddings.sizes().vec(), (std::vector<std::int64_t>{3, 8}));
    QCOMPARE(embeddings.scalar_type(), torch::kFloat32);

    torch::NoGradGuard noGrad;
    lm->eval();
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const auto row = static_cast<std::int64_t>(r);
        const std::int64_t length = rows[r].prompt + rows[r].continuation;
        const auto hidden = lm->forward(tokens[row].slice(0, 0, length).unsqueeze(0)).hidden[0];
        auto sum = torch::zeros({8});
        for (std::int64_t t = rows[r].prompt; t < length; ++t)
            sum += hidden[t];
        const auto expected = sum / static_cast<double>(rows[r].continuation);
        QVERIFY2(torch::allclose(embeddings[row], expected, 1e-5, 1e-5),
                 qPrintable(QString("row %1").arg(row)));
    }
}

void TestRanking::continuationEmbeddingsRejectEmptyContinuation()
{
    auto lm = tinyModel(tinyConfig(model::Architecture::Gpt2), 5);
    const auto ids = torch::ones({2, 4}, torch::kInt64);
    const auto attention = torch::ones_like(ids);
    auto continuation = torch::zeros_like(ids);
    continuation[0][3] = 1; // row 1 has none
    QVERIFY(errorMessage([&] {
                train::continuationEmbeddings(*lm, ids, attention, continuation);
            }).contains("no continuation tokens"));
}

void TestRanking::interpolationEndpointsAreExact()
{
    const auto config = tinyConfig(model::Architecture::Gpt2);
    const auto mle = tinyModel(config, 1);
    const auto cpo = tinyModel(config, 2);
    const auto atMle = model::interpolateModels(*mle, *cpo, 1.0);
    const auto atCpo = model::interpolateModels(*mle, *cpo, 0.0);
    const auto mleParameters = model::namedParameters(*mle);
    const auto cpoParameters = model::namedParameters(*cpo);
    for (const auto& [name, value] : model::namedParameters(*atMle))
        QVERIFY2(torch::equal(value, mleParameters.at(name)), name.c_str());
    for (const auto& [name, value] : model::namedParameters(*atCpo))
        QVERIFY2(torch::equal(value, cpoParameters.at(name)), name.c_str());
    // A new model, not a handle on an input.
    QVERIFY(mleParameters.begin()->second.data_ptr() !=
            model::namedParameters(*atMle).begin()->second.data_ptr());
}

void TestRanking::interpolationFollowsFormula_data()
{
    QTest::addColumn<double>("alpha");
    QTest::newRow("0.3") << 0.3;
    QTest::newRow("0.5") << 0.5;
    QTest::newRow("0.9") << 0.9;
}

void TestRanking::interpolationFollowsFormula()
{
    QFETCH(double, alpha);
    const auto config = tinyConfig(model::Architecture::Llama);
    const auto mle = tinyModel(config, 1);
    const auto cpo = tinyModel(config, 2);
    const auto mixed = model::interpolateModels(*mle, *cpo, alpha);
    const auto mleParameters = model::namedParameters(*mle);
    const auto cpoParameters = model::namedParameters(*cpo);
    for (const auto& [name, value] : model::namedParameters(*mixed)) {
        // θ_α = α·θ_MLE + (1 − α)·θ_CPO, in double, against the float32 result.
        const auto expected = alpha * mleParameters.at(name).to(torch::kFloat64) +
                              (1.0 - alpha) * cpoParameters.at(name).to(torch::kFloat64);
        const double error = (value.to(torch::kFloat64) - expected).abs().max().item<double>();
        QVERIFY2(error < 1e-6, qPrintable(QString::fromStdString(name) + " off by " +
                                          QString::number(error)));
    }
}

// The reason for the lerp form: a parameter CPO left untouched stays bit-identical.
void TestRanking::interpolationKeepsSharedParametersExact()
{
    const auto config = tinyConfig(model::Architecture::Gpt2);
    const auto mle = tinyModel(config, 1);
    const auto cpo = model::cloneModel(*mle);
    {
        torch::NoGradGuard noGrad;
        model::namedParameters(*cpo).at("transformer.wte.weight").add_(0.5);
    }
    const auto mixed = model::interpolateModels(*mle, *cpo, 0.3);
    const auto mleParameters = model::namedParameters(*mle);
    for (const auto& [name, value] : model::namedParameters(*mixed))
        if (name != "transformer.wte.weight")
            QVERIFY2(torch::equal(value, mleParameters.at(name)), name.c_str());
}

void TestRanking::interpolateIntoReusesModel()
{
    const auto config = tinyConfig(model::Architecture::Gpt2);
    const auto mle = tinyModel(config, 1);
    const auto cpo = tinyModel(config, 2);
    const auto buffer = model::cloneModel(*cpo);
    for (const double alpha : {0.7, 0.1}) {
        model::interpolateInto(*buffer, *mle, *cpo, alpha);
        const auto expected = model::namedParameters(*model::interpolateModels(*mle, *cpo, alpha));
        for (const auto& [name, value] : model::namedParameters(*buffer))
            QVERIFY2(torch::equal(value, expected.at(name)), name.c_str());
    }
    auto wider = config;
    wider.hiddenSize = 16;
    const auto wrongBuffer = tinyModel(wider, 3);
    QVERIFY(errorMessage([&] {
                model::interpolateInto(*wrongBuffer, *mle, *cpo, 0.5);
            }).contains("n_embd is 16 in the output model but 8 in the MLE model"));
}

void TestRanking::interpolationRejectsMismatch_data()
{
    QTest::addColumn<int>("cpoArch");
    QTest::addColumn<int>("cpoHidden");
    QTest::addColumn<int>("cpoLayers");
    QTest::addColumn<QStringList>("mentions");
    const int gpt2 = int(model::Architecture::Gpt2);
    const int llama = int(model::Architecture::Llama);
    QTest::newRow("wider")
        << gpt2 << 16 << 2
        << QStringList{"has shape", "n_embd is 8 in the MLE model but 16 in the CPO model"};
    QTest::newRow("deeper") << gpt2 << 8 << 3
                            << QStringList{"transformer.h.2.", "in the CPO model only",
                                           "n_layer is 2 in the MLE model but 3"};
    QTest::newRow("other architecture") << llama << 8 << 2
                                        << QStringList{"gpt2 MLE model", "llama CPO model"};
}

void TestRanking::interpolationRejectsMismatch()
{
    QFETCH(int, cpoArch);
    QFETCH(int, cpoHidden);
    QFETCH(int, cpoLayers);
    QFETCH(QStringList, mentions);
    const auto mle = tinyModel(tinyConfig(model::Architecture::Gpt2), 1);
    auto config = tinyConfig(static_cast<model::Architecture>(cpoArch));
    config.hiddenSize = cpoHidden;
    config.numLayers = cpoLayers;
    const auto cpo = tinyModel(config, 2);
    const QString message =
        errorMessage([&] { model::interpolateModels(*mle, *cpo, 0.5); });
    for (const auto& mention : mentions)
        QVERIFY2(message.contains(mention), qPrintable(message));
}

QTEST_MAIN(TestRanking)
#include "tst_ranking.moc"
