#include "oracle_fixture.h"

#include "oracle/oracle_task.h"
#include "model/causal_lm.h"
#include "model/precision.h"
#include "train/checkpoint.h"
#include "train/cpo/candidate_scoring.h"
#include "train/cpo/cpo_loss.h"
#include "train/cpo/cpo_trainer.h"
#include "train/cpo/health_monitor.h"
#include "train/mle_trainer.h"
#include "train/negatives/bn_sampler.h"
#include "train/negatives/mn_sampler.h"
#include "train/negatives/sampler_factory.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <vector>

using namespace cpo;
using cpo::data::TokenizedExample;
using cpo::train::Tokens;
namespace neg = cpo::train::negatives;

Q_DECLARE_METATYPE(cpo::train::negatives::SamplerKind)

namespace {

constexpr tokenize::TokenId kEos = 15;

model::CausalLM tinyModel(std::uint64_t seed, torch::ScalarType dtype = torch::kFloat32)
{
    model::ModelConfig c;
    c.arch = model::Architecture::Gpt2;
    c.vocabSize = 16;
    c.hiddenSize = 16;
    c.numLayers = 2;
    c.numHeads = 2;
    c.numKeyValueHeads = 2;
    c.intermediateSize = 32;
    c.maxPositions = 64;
    c.eosTokenId = kEos;
    torch::manual_seed(seed);
    auto m = model::createModel(c);
    {
        // HF's init (std 0.02) makes every distribution nearly uniform; a wider one gives
        // the log-probs and gradients something to compare.
        torch::NoGradGuard noGrad;
        for (auto& p : m->parameters())
            if (p.dim() >= 2)
                p.normal_(0.0, 0.3);
    }
    m->to(dtype);
    return m;
}

// The π_ref log-probs a sampler returned for free equal a teacher-forced recomputation of the
// same candidates, token by token, within 1e-5.
void verifyMatchesTeacherForcing(model::CausalLMImpl& reference,
                                 const train::ScoringRequest& candidates,
                                 const std::vector<std::vector<float>>& free)
{
    torch::NoGradGuard noGrad;
    const auto recomputed = train::scoreFullSequences(reference, candidates).tokens;
    for (std::size_t r = 0; r < free.size(); ++r)
        for (std::size_t t = 0; t < free[r].size(); ++t)
            QVERIFY(std::abs(free[r][t] - recomputed[static_cast<std::int64_t>(r)]
                                                    [static_cast<std::int64_t>(t)]
                                                        .item<float>()) < 1e-5);
}

TokenizedExample example(Tokens prefix, Tokens continuation, std::uint64_t hash)
{
    TokenizedExample e;
    e.prefix = std::move(prefix);
    e.continuation = std::move(continuation);
    e.hash = hash;
    e.groupHash = hash;
    return e;
}

// Six examples of different lengths, each continuation ending with EOS; rows 4 and 5 share
// their continuation (a duplicate y1, which BN must never hand either of them).
std::vector<TokenizedExample> smallBatch()
{
    return {example({1, 2, 3}, {4, 5, 6, 7, 8, kEos}, 1),
            example({9, 10}, {11, 12, 13, kEos}, 2),
            example({3, 3, 3, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, kEos}, 3),
            example({7}, {2, 9, kEos}, 4),
            example({5, 6, 7, 8}, {14, 13, 12, 11, 10, kEos}, 5),
            example({2, 4}, {14, 13, 12, 11, 10, kEos}, 6)};
}

neg::SampleResult sampleWith(neg::NegativeSampler& sampler,
                             const std::vector<TokenizedExample>& batch, std::int64_t count,
                             model::CausalLMImpl& reference, std::uint64_t seed)
{
    auto rngs = neg::rowGenerators(seed, 0, batch.size());
    neg::SampleRequest request;
    request.batch = batch;
    request.counts.assign(batch.size(), count);
    request.reference = &reference;
    request.eosId = kEos;
    request.rngs = rngs;
    return sampler.sample(request);
}

// y1 and three negatives per example, for the scoring tests.
struct Candidates {
    std::vector<Tokens> prompts;
    std::vector<Tokens> continuations;
    std::vector<std::int64_t> owner;
    train::ScoringRequest request() const { return {prompts, continuations, owner}; }
};

Candidates someCandidates()
{
    Candidates c;
    const auto batch = smallBatch();
    for (std::size_t b = 0; b < 3; ++b) {
        c.prompts.push_back(batch[b].prefix);
        for (std::size_t k = 0; k < 4; ++k) {
            c.continuations.push_back(batch[(b + k) % batch.size()].continuation);
            c.owner.push_back(static_cast<std::int64_t>(b));
        }
    }
    c.continuations[5] = {kEos}; // a one-token candidate
    return c;
}

// A target order τ per row, K columns each: [rows, K] int64.
torch::Tensor ranks(std::vector<std::int64_t> order, std::int64_t k)
{
    return torch::tensor(order, torch::kInt64).view({-1, k});
}

double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b)
{
    return (a - b).abs().max().item<double>();
}

// The first half of an interrupted run: trains from `start` (policy and reference alike) and
// stops once step `stopStep` has been reported, leaving its checkpoint in `dir`.
bool trainUntilStopped(const model::CausalLMImpl& start,
                       const std::vector<data::TokenizedExample>& trainSet,
                       const train::CpoOptions& options, const std::string& dir,
                       std::int64_t stopStep)
{
    train::RunControl control;
    train::CpoTrainer first(model::cloneModel(start), model::cloneModel(start), trainSet,
                            options, dir);
    first.setControl(&control);
    first.setEventCallback([&](const train::CpoEvent& event) {
        if (const auto* m = std::get_if<train::CpoStepMetrics>(&event); m && m->step == stopStep)
            control.requestStop();
    });
    return first.run().outcome == train::PhaseOutcome::Stopped;
}

} // namespace

class TestCpo : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { torch::set_num_threads(1); }

    // --- loss -----------------------------------------------------------------------------
    void lossK2IsDpo_data();
    void lossK2IsDpo();
    void lossK4();
    void lossGradientMatchesFiniteDifferences();
    void lossIsStableForLargeRewards();

    // --- prompt sharing ------------------------------------------------------------------
    void sharedPromptEqualsFullSequences();

    // --- samplers ------------------------------------------------------------------------
    void samplersShapesAndTags_data();
    void samplersShapesAndTags();
    void tnStrictlyShorterEndingInEos();
    void mnChangesAFractionOfContinuationPositions();
    void bnNeverUsesItsOwnRow();
    void bnFallsBackToTheBuffer();
    void anReferenceLogProbsMatchTeacherForcing();
    void mixIsDeterministicForASeed();
    void anRunsToEosOrTheDatasetCap();
    void stratifiedMixCoversTheStrategies();

    // --- trainer -------------------------------------------------------------------------
    void nonFiniteLossStopsAndAlerts();
    void resumeIsExact_data();
    void resumeIsExact();
    void resumeReadsReferenceCacheOfCheckpoint();
    void cpoRaisesAccuracyOnTheOracleTask();
    void rankingSampleSetsCarrySimilarityAndRank();

    // --- health checks -------------------------------------------------------------------
    void overOptimisationAlert_data();
    void overOptimisationAlert();
    void saturationAlert_data();
    void saturationAlert();
    void healthChecksOff();
    void bf16CpoTracksFp32();
};

void TestCpo::lossK2IsDpo_data()
{
    QTest::addColumn<double>("h1");
    QTest::addColumn<double>("h2");
    QTest::addColumn<double>("beta");
    QTest::newRow("equal") << 0.0 << 0.0 << 1.0;
    QTest::newRow("y1 ahead") << 1.5 << -0.5 << 0.5;
    QTest::newRow("y1 behind") << -2.0 << 1.0 << 5.0;
    QTest::newRow("large beta") << 3.0 << 2.9 << 50.0;
}

void TestCpo::lossK2IsDpo()
{
    QFETCH(double, h1);
    QFETCH(double, h2);
    QFETCH(double, beta);
    const auto rewards = torch::tensor({h1, h2}, torch::kFloat64).view({1, 2});
    // −log σ(x) = log(1 + e^−x), x = β (h1 − h2).
    const double x = beta * (h1 - h2);
    const double expected = std::log1p(std::exp(-x));
    QVERIFY(std::abs(train::contrastiveLoss(rewards, beta).item<double>() - expected) < 1e-12);
    // With K = 2 the Plackett–Luce form has one term: the same value.
    const auto order = ranks({0, 1}, 2);
    QVERIFY(std::abs(train::contrastiveLoss(rewards, beta, order).item<double>() - expected) <
            1e-12);
}

void TestCpo::lossK4()
{
    // h = (1, 0, −1, 0.5), β = 2, so z = β·h = (2, 0, −2, 1).
    const auto rewards = torch::tensor({1.0, 0.0, -1.0, 0.5}, torch::kFloat64).view({1, 4});
    // Without ranking: log(e² + e⁰ + e⁻² + e¹) − 2 = log(11.24267...) − 2 = 0.4197166
    const double plain = std::log(std::exp(2.0) + 1.0 + std::exp(-2.0) + std::exp(1.0)) - 2.0;
    QVERIFY(std::abs(plain - 0.4197166) < 1e-6);
    QVERIFY(std::abs(train::contrastiveLoss(rewards, 2.0).item<double>() - plain) < 1e-12);
    // Ranked τ = (y1, neg 3, neg 1, neg 2), z in that order = (2, 1, 0, −2):
    //   [log(e² + e¹ + e⁰ + e⁻²) − 2] + [log(e¹ + e⁰ + e⁻²) − 1] + [log(e⁰ + e⁻²) − 0]
    //   = 0.4197166 + 0.3490122 + 0.1269280 = 0.8956569
    const double ranked = plain + (std::log(std::exp(1.0) + 1.0 + std::exp(-2.0)) - 1.0) +
                          std::log(1.0 + std::exp(-2.0));
    QVERIFY(std::abs(ranked - 0.8956569) < 1e-6);
    const auto order = ranks({0, 3, 1, 2}, 4);
    QVERIFY(std::abs(train::contrastiveLoss(rewards, 2.0, order).item<double>() - ranked) <
            1e-12);
    // A batch: the mean of rows is the caller's; each row is its own.
    const auto two = torch::cat({rewards, rewards.flip({1})}, 0);
    const auto perRow = train::contrastiveLoss(two, 2.0);
    QCOMPARE(perRow.size(0), std::int64_t{2});
    QVERIFY(std::abs(perRow[0].item<double>() - plain) < 1e-12);
}

void TestCpo::lossGradientMatchesFiniteDifferences()
{
    // The whole chain in double: prompt-shared log-probs of a tiny model → rewards → ranked
    // loss, against central differences (step 1e-6; truncation error ~1e-12, rounding ~1e-10).
    auto policy = tinyModel(3, torch::kFloat64);
    auto reference = tinyModel(4, torch::kFloat64);
    const auto candidates = someCandidates();
    const auto order = ranks({0, 2, 1, 3, 0, 1, 3, 2, 0, 3, 2, 1}, 4);
    torch::Tensor referenceSums;
    {
        torch::NoGradGuard noGrad;
        referenceSums = train::scoreSharedPrompts(*reference, candidates.request()).sums();
    }
    const auto loss = [&] {
        const auto sums = train::scoreSharedPrompts(*policy, candidates.request()).sums();
        return train::contrastiveLoss((sums - referenceSums).view({3, 4}), 0.7, order).mean();
    };
    policy->zero_grad();
    loss().backward();
    const auto params = model::namedParameters(*policy);
    int checked = 0;
    for (const auto* name : {"transformer.wte.weight", "transformer.h.0.attn.c_attn.weight",
                             "transformer.h.1.mlp.c_fc.bias", "transformer.ln_f.weight"}) {
        auto p = params.at(name);
        const auto grad = p.grad().clone();
        auto flat = p.view(-1);
        for (const std::int64_t i : {std::int64_t{0}, flat.numel() / 3, flat.numel() - 1}) {
            torch::NoGradGuard noGrad;
            const double eps = 1e-6;
            const double original = flat[i].item<double>();
            flat[i].fill_(original + eps);
            const double up = loss().item<double>();
            flat[i].fill_(original - eps);
            const double down = loss().item<double>();
            flat[i].fill_(original);
            const double numeric = (up - down) / (2 * eps);
            const double analytic = grad.view(-1)[i].item<double>();
            QVERIFY2(std::abs(numeric - analytic) < 1e-7 + 1e-5 * std::abs(numeric),
                     qPrintable(QString("%1[%2]: numeric %3, autograd %4")
                                    .arg(name).arg(i).arg(numeric).arg(analytic)));
            ++checked;
        }
    }
    QCOMPARE(checked, 12);
}

void TestCpo::lossIsStableForLargeRewards()
{
    const auto rewards = torch::tensor({400.0F, -300.0F, 200.0F, 0.0F}).view({1, 4});
    const auto order = ranks({0, 2, 3, 1}, 4);
    QVERIFY(std::isfinite(train::contrastiveLoss(rewards, 5.0).item<double>()));
    QVERIFY(std::isfinite(train::contrastiveLoss(rewards, 5.0, order).item<double>()));
    QVERIFY(std::isfinite(train::contrastiveLoss(-rewards, 5.0, order).item<double>()));
}

void TestCpo::sharedPromptEqualsFullSequences()
{
    // Same model, same candidates: log-probs and the gradients of a loss built on them must
    // agree within 1e-5 (float32; the two ways differ only in summation order).
    auto shared = tinyModel(5);
    auto full = model::cloneModel(*shared);
    const auto candidates = someCandidates();
    const auto a = train::scoreSharedPrompts(*shared, candidates.request());
    const auto b = train::scoreFullSequences(*full, candidates.request());
    QVERIFY(a.tokens.sizes() == b.tokens.sizes());
    QVERIFY(torch::equal(a.mask, b.mask));
    QVERIFY2(maxAbsDiff(a.tokens, b.tokens) < 1e-5,
             qPrintable(QString::number(maxAbsDiff(a.tokens, b.tokens))));
    // Every real token is scored (a log-prob < 0) and padding is 0.
    QVERIFY(a.tokens.masked_select(a.mask.gt(0)).lt(0).all().item<bool>());
    QVERIFY(a.tokens.masked_select(a.mask.eq(0)).eq(0).all().item<bool>());

    const auto order = ranks({0, 3, 2, 1, 0, 1, 2, 3, 0, 2, 3, 1}, 4);
    const auto lossA = train::contrastiveLoss(a.sums().view({3, 4}), 2.0, order).mean();
    const auto lossB = train::contrastiveLoss(b.sums().view({3, 4}), 2.0, order).mean();
    QVERIFY(std::abs(lossA.item<double>() - lossB.item<double>()) < 1e-5);
    lossA.backward();
    lossB.backward();
    const auto gradsA = model::namedParameters(*shared);
    const auto gradsB = model::namedParameters(*full);
    for (const auto& [name, p] : gradsA) {
        QVERIFY2(p.grad().defined(), name.c_str());
        const double diff = maxAbsDiff(p.grad(), gradsB.at(name).grad());
        QVERIFY2(diff < 1e-5, qPrintable(QString("%1: %2").arg(name.c_str()).arg(diff)));
    }
    // The prompt's own parameters get gradients only through the cached keys and values:
    // the position embeddings of prompt positions prove they flow.
    QVERIFY(gradsA.at("transformer.wpe.weight").grad()[0].abs().sum().item<double>() > 0);
}

void TestCpo::samplersShapesAndTags_data()
{
    QTest::addColumn<neg::SamplerKind>("kind");
    QTest::newRow("an") << neg::SamplerKind::An;
    QTest::newRow("bn") << neg::SamplerKind::Bn;
    QTest::newRow("mn") << neg::SamplerKind::Mn;
    QTest::newRow("tn") << neg::SamplerKind::Tn;
    QTest::newRow("mix") << neg::SamplerKind::Mix;
}

void TestCpo::samplersShapesAndTags()
{
    QFETCH(neg::SamplerKind, kind);
    auto reference = tinyModel(6);
    reference->eval();
    neg::SamplerOptions options;
    options.kind = kind;
    auto sampler = neg::makeSampler(options);
    const auto batch = smallBatch();
    std::set<neg::Strategy> seen;
    for (std::uint64_t seed = 0; seed < 4; ++seed) {
        const auto result = sampleWith(*sampler, batch, 3, *reference, seed);
        QCOMPARE(result.negatives.size(), batch.size());
        for (std::size_t i = 0; i < batch.size(); ++i) {
            QCOMPARE(result.negatives[i].size(), std::size_t{3});
            for (const auto& n : result.negatives[i]) {
                QVERIFY(!n.tokens.empty());
                QVERIFY(n.tokens != batch[i].continuation);
                QVERIFY(n.referenceLogProbs.empty() ||
                        n.referenceLogProbs.size() == n.tokens.size());
                if (kind != neg::SamplerKind::Mix)
                    QCOMPARE(static_cast<int>(n.strategy), static_cast<int>(kind));
                seen.insert(n.strategy);
            }
        }
    }
    if (kind == neg::SamplerKind::Mix)
        QCOMPARE(seen.size(), neg::kStrategyCount); // 72 draws: every strategy shows up
}

void TestCpo::tnStrictlyShorterEndingInEos()
{
    auto reference = tinyModel(7);
    reference->eval();
    neg::SamplerOptions options;
    options.kind = neg::SamplerKind::Tn;
    auto sampler = neg::makeSampler(options);
    const auto batch = smallBatch();
    std::set<std::size_t> cuts;
    const auto result = sampleWith(*sampler, batch, 20, *reference, 3);
    // The π_ref log-probs TN returns for free equal a teacher-forced pass over the negative.
    std::vector<Tokens> prompts;
    std::vector<Tokens> continuations;
    std::vector<std::int64_t> owner;
    std::vector<std::vector<float>> free;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto& y1 = batch[i].continuation;
        prompts.push_back(batch[i].prefix);
        for (const auto& n : result.negatives[i]) {
            QVERIFY(n.tokens.size() < y1.size());
            QCOMPARE(n.tokens.back(), kEos);
            QVERIFY(std::equal(n.tokens.begin(), n.tokens.end() - 1, y1.begin()));
            if (i == 2)
                cuts.insert(n.tokens.size() - 1);
            continuations.push_back(n.tokens);
            owner.push_back(static_cast<std::int64_t>(i));
            free.push_back(n.referenceLogProbs);
        }
    }
    QVERIFY(cuts.size() >= 5); // 20 uniform cuts of 8 possible positions: spread out
    verifyMatchesTeacherForcing(*reference, {prompts, continuations, owner}, free);
}

void TestCpo::mnChangesAFractionOfContinuationPositions()
{
    auto reference = tinyModel(8);
    reference->eval();
    const double fraction = 0.25;
    neg::MnSampler sampler(fraction);
    const auto batch = smallBatch();
    const auto result = sampleWith(sampler, batch, 5, *reference, 9);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto& y1 = batch[i].continuation;
        // y1's reference log-probs come back from the one pass.
        QCOMPARE(result.groundTruthReferenceLogProbs[i].size(), y1.size());
        const auto eligible = static_cast<std::int64_t>(y1.size()) - 1; // all but the EOS
        for (const auto& n : result.negatives[i]) {
            QCOMPARE(n.tokens.size(), y1.size());
            QCOMPARE(n.tokens.back(), kEos); // the final EOS is never replaced
            std::int64_t changed = 0;
            for (std::size_t t = 0; t < y1.size(); ++t) {
                if (n.tokens[t] != y1[t]) {
                    ++changed;
                    QVERIFY(n.tokens[t] != kEos); // no EOS sampled into the middle
                }
            }
            // round(0.25 · eligible), at least 1: 5 → 1, 3 → 1, 8 → 2, 2 → 1.
            QCOMPARE(changed, neg::mnReplacements(fraction, eligible));
        }
    }
    QCOMPARE(neg::mnReplacements(0.25, 8), std::int64_t{2});
    QCOMPARE(neg::mnReplacements(0.25, 1), std::int64_t{1});
    QCOMPARE(neg::mnReplacements(0.5, 7), std::int64_t{4});
}

void TestCpo::bnNeverUsesItsOwnRow()
{
    auto reference = tinyModel(9);
    neg::BnSampler sampler;
    const auto batch = smallBatch(); // rows 4 and 5 share a continuation
    std::int64_t redraws = 0;
    for (std::uint64_t seed = 0; seed < 10; ++seed) {
        const auto result = sampleWith(sampler, batch, 3, *reference, seed);
        redraws += result.redraws[static_cast<std::size_t>(neg::Strategy::Bn)];
        for (std::size_t i = 0; i < batch.size(); ++i) {
            std::set<Tokens> distinct;
            for (const auto& n : result.negatives[i]) {
                QVERIFY(n.tokens != batch[i].continuation);
                distinct.insert(n.tokens);
                const bool fromBatch =
                    std::any_of(batch.begin(), batch.end(),
                                [&](const auto& e) { return e.continuation == n.tokens; });
                QVERIFY(fromBatch);
            }
            QCOMPARE(distinct.size(), std::size_t{3}); // without replacement
        }
    }
    QCOMPARE(redraws, std::int64_t{20}); // rows 4 and 5 each skip the other, every call
}

void TestCpo::bnFallsBackToTheBuffer()
{
    auto reference = tinyModel(10);
    neg::BnSampler sampler(8);
    const auto earlier = smallBatch();
    sampler.observe(earlier);
    const std::vector<TokenizedExample> two{example({1}, {4, 4, kEos}, 10),
                                            example({2}, {5, 5, kEos}, 11)};
    const auto result = sampleWith(sampler, two, 3, *reference, 1);
    for (std::size_t i = 0; i < two.size(); ++i) {
        QCOMPARE(result.negatives[i].size(), std::size_t{3});
        // The other row, then two from the buffer (the six continuations seen before).
        QVERIFY(std::any_of(result.negatives[i].begin(), result.negatives[i].end(),
                            [&](const auto& n) { return n.tokens == two[1 - i].continuation; }));
        for (const auto& n : result.negatives[i])
            QVERIFY(n.tokens != two[i].continuation);
    }
}

void TestCpo::anReferenceLogProbsMatchTeacherForcing()
{
    auto reference = tinyModel(11);
    reference->eval();
    neg::SamplerOptions options;
    options.kind = neg::SamplerKind::An;
    options.an.sampling.temperature = 1.3; // decoding options do not change what is returned
    options.an.sampling.topK = 8;
    auto sampler = neg::makeSampler(options);
    const auto batch = smallBatch();
    const auto result = sampleWith(*sampler, batch, 3, *reference, 5);
    std::vector<Tokens> prompts;
    std::vector<Tokens> continuations;
    std::vector<std::int64_t> owner;
    std::vector<std::vector<float>> free;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        prompts.push_back(batch[i].prefix);
        for (const auto& n : result.negatives[i]) {
            QVERIFY(n.tokens.size() <= batch[i].continuation.size()); // y1's length budget
            const auto eos = std::find(n.tokens.begin(), n.tokens.end(), kEos);
            QVERIFY(eos == n.tokens.end() || eos == n.tokens.end() - 1); // stops at EOS
            QCOMPARE(n.referenceLogProbs.size(), n.tokens.size());
            continuations.push_back(n.tokens);
            owner.push_back(static_cast<std::int64_t>(i));
            free.push_back(n.referenceLogProbs);
        }
    }
    verifyMatchesTeacherForcing(*reference, {prompts, continuations, owner}, free);
}

void TestCpo::mixIsDeterministicForASeed()
{
    auto reference = tinyModel(12);
    reference->eval();
    neg::SamplerOptions options; // MixN, equal weights
    const auto batch = smallBatch();
    const auto draw = [&](std::uint64_t seed) {
        auto sampler = neg::makeSampler(options);
        const auto result = sampleWith(*sampler, batch, 3, *reference, seed);
        std::vector<std::pair<int, Tokens>> flat;
        for (const auto& row : result.negatives)
            for (const auto& n : row)
                flat.emplace_back(static_cast<int>(n.strategy), n.tokens);
        return flat;
    };
    QVERIFY(draw(42) == draw(42));
    QVERIFY(draw(42) != draw(43));
}

// The trainer's AN cap is the training set's longest continuation, not each y1's length:
// short ground truths get negatives that run on to their own EOS.
void TestCpo::anRunsToEosOrTheDatasetCap()
{
    auto reference = tinyModel(13);
    reference->eval();
    const auto batch = smallBatch();
    neg::SamplerOptions options;
    options.kind = neg::SamplerKind::An;
    options = neg::withDatasetDefaults(options, batch);
    QCOMPARE(options.an.maxNewTokens, std::int64_t(9)); // {1..8, EOS}, the longest
    auto sampler = neg::makeSampler(options);
    const auto result = sampleWith(*sampler, batch, 6, *reference, 21);
    bool longerThanY1 = false;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        for (const auto& n : result.negatives[i]) {
            QVERIFY(n.tokens.size() <= 9);
            const auto eos = std::find(n.tokens.begin(), n.tokens.end(), kEos);
            // Ends at its own EOS, or runs to the cap without one.
            QVERIFY(eos == n.tokens.end() - 1 || (eos == n.tokens.end() && n.tokens.size() == 9));
            longerThanY1 = longerThanY1 || n.tokens.size() > batch[i].continuation.size();
        }
    }
    QVERIFY2(longerThanY1, "no AN negative went past its ground truth's length");
    // A cap given in the experiment stays.
    options.an.maxNewTokens = 4;
    QCOMPARE(neg::withDatasetDefaults(options, batch).an.maxNewTokens, std::int64_t(4));
}

// K − 1 = 3 negatives over four equally weighted strategies: stratified, every example gets
// three different ones; drawn independently, some example repeats one.
void TestCpo::stratifiedMixCoversTheStrategies()
{
    auto reference = tinyModel(14);
    reference->eval();
    const auto batch = smallBatch();
    const auto repeats = [&](bool stratified, std::uint64_t seed) {
        neg::SamplerOptions options; // MixN, equal weights
        options.mixStratified = stratified;
        auto sampler = neg::makeSampler(options);
        const auto result = sampleWith(*sampler, batch, 3, *reference, seed);
        int examplesWithRepeats = 0;
        for (const auto& row : result.negatives) {
            std::set<int> strategies;
            for (const auto& n : row)
                strategies.insert(static_cast<int>(n.strategy));
            examplesWithRepeats += strategies.size() < row.size() ? 1 : 0;
        }
        return examplesWithRepeats;
    };
    int independent = 0;
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
        QCOMPARE(repeats(true, seed), 0);
        independent += repeats(false, seed);
    }
    QVERIFY2(independent > 0, "independent draws never repeated a strategy");
}

namespace {

data::OracleOptions tinyOracle()
{
    auto o = cpo::test::tinyOracleOptions(5, 512, 64, 16);
    o.temperature = 0.9;
    return o;
}

model::CausalLM oracleStudent(const data::OracleOptions& oracle, std::uint64_t seed)
{
    return cpo::test::oracleStudent(oracle, seed, 32, 2, 64);
}

train::CpoOptions smallCpo(std::int64_t steps, tokenize::TokenId eos)
{
    train::CpoOptions o;
    o.steps = steps;
    o.batchSize = 8;
    o.k = 4;
    o.beta = 1.0;
    o.optimizer.lr = 2e-3;
    o.samplesEvery = 2;
    o.checkpointEvery = 0;
    o.seed = 3;
    o.eosId = eos;
    o.sampler.mixWeights = {0.0, 1.0, 1.0, 1.0}; // BN, MN, TN: fast on one core
    return o;
}

} // namespace

void TestCpo::nonFiniteLossStopsAndAlerts()
{
    const auto oracle = tinyOracle();
    const data::OracleTask task(oracle);
    const auto trainSet = task.examples(data::Split::Train);
    QTemporaryDir dir;
    auto options = smallCpo(4, task.eosId());
    options.checkpointEvery = 1;
    train::CpoTrainer trainer(oracleStudent(oracle, 1), nullptr, trainSet, options,
                              dir.path().toStdString());
    trainer.setLossTransform([](std::int64_t step, const torch::Tensor& loss) {
        return step == 3 ? loss * std::numeric_limits<double>::quiet_NaN() : loss;
    });
    std::vector<train::HealthAlert> alerts;
    trainer.setEventCallback([&](const train::CpoEvent& event) {
        if (const auto* alert = std::get_if<train::HealthAlert>(&event))
            alerts.push_back(*alert);
    });
    const auto result = trainer.run();
    QVERIFY(result.outcome == train::PhaseOutcome::Failed);
    QCOMPARE(result.step, std::int64_t{2});
    QVERIFY(result.lastCheckpoint.has_value());
    QCOMPARE(train::readTrainingState(*result.lastCheckpoint).step, std::int64_t{2});
    QCOMPARE(alerts.size(), std::size_t{1});
    QVERIFY(alerts.front().kind == train::HealthKind::NonFiniteLoss);
}

void TestCpo::resumeIsExact_data()
{
    QTest::addColumn<std::vector<double>>("mixWeights");
    QTest::addColumn<std::int64_t>("batchSize");
    QTest::newRow("every strategy") << std::vector<double>{1.0, 1.0, 1.0, 1.0}
                                    << std::int64_t{4};
    // MN and TN score y1 under π_ref afresh for their own negatives (that pass comes first).
    QTest::newRow("BN, MN, TN") << std::vector<double>{0.0, 1.0, 1.0, 1.0} << std::int64_t{4};
    // Batches of two leave BN one other row for K − 1 = 3 negatives: the rest come from its
    // buffer of earlier batches, which the resumed trainer must rebuild. BN alone scores
    // nothing afresh: y1's π_ref log-probs come from the reference cache after the first epoch.
    QTest::newRow("BN from its buffer") << std::vector<double>{0.0, 1.0, 0.0, 0.0}
                                        << std::int64_t{2};
}

void TestCpo::resumeIsExact()
{
    QFETCH(std::vector<double>, mixWeights);
    QFETCH(std::int64_t, batchSize);
    const auto oracle = tinyOracle();
    const data::OracleTask task(oracle);
    // Eight examples in batches of four (two): an epoch every two (four) steps, so the steps
    // after the resume meet examples (and cached π_ref values) the steps before it saw.
    const auto all = task.examples(data::Split::Train);
    const std::vector<data::TokenizedExample> trainSet(all.begin(), all.begin() + 8);
    auto options = smallCpo(6, task.eosId());
    std::copy(mixWeights.begin(), mixWeights.end(), options.sampler.mixWeights.begin());
    options.batchSize = batchSize;
    options.checkpointEvery = 3;
    options.metricsEvery = 1;
    const auto start = oracleStudent(oracle, 2);
    // Every metric a step reports, timings aside, by step.
    const auto recordInto = [](std::map<std::int64_t, train::CpoStepMetrics>& seen) {
        return [&seen](const train::CpoEvent& event) {
            if (const auto* m = std::get_if<train::CpoStepMetrics>(&event)) {
                auto values = *m;
                values.tokensPerSecond = values.stepSeconds = values.elapsedSeconds = 0.0;
                seen[m->step] = values;
            }
        };
    };

    QTemporaryDir straightDir;
    std::map<std::int64_t, train::CpoStepMetrics> straightMetrics;
    train::CpoTrainer straight(model::cloneModel(*start), model::cloneModel(*start), trainSet,
                               options, straightDir.path().toStdString());
    straight.setEventCallback(recordInto(straightMetrics));
    QVERIFY(straight.run().outcome == train::PhaseOutcome::Finished);

    QTemporaryDir splitDir;
    QVERIFY(trainUntilStopped(*start, trainSet, options, splitDir.path().toStdString(), 3));
    // A fresh process: the global generator moved on.
    (void)torch::rand({7});
    std::map<std::int64_t, train::CpoStepMetrics> resumedMetrics;
    train::CpoTrainer second(model::cloneModel(*start), model::cloneModel(*start), trainSet,
                             options, splitDir.path().toStdString());
    second.resume(*train::latestCheckpoint(splitDir.path().toStdString()));
    QCOMPARE(second.step(), std::int64_t{3});
    second.setEventCallback(recordInto(resumedMetrics));
    QVERIFY(second.run().outcome == train::PhaseOutcome::Finished);
    QCOMPARE(resumedMetrics.size(), std::size_t{3});
    for (const auto& [step, metrics] : resumedMetrics) {
        const auto& expected = straightMetrics.at(step);
        for (std::size_t i = 0; i < train::namedValues(metrics).size(); ++i) {
            const auto [name, value] = train::namedValues(metrics)[i];
            const auto want = train::namedValues(expected)[i].second;
            QVERIFY2(value == want || (std::isnan(value) && std::isnan(want)),
                     qPrintable(QString("step %1 %2: %3 resumed, %4 straight")
                                    .arg(step).arg(QString::fromUtf8(name.data(), name.size()))
                                    .arg(value, 0, 'g', 17).arg(want, 0, 'g', 17)));
        }
        QVERIFY2(metrics == expected, qPrintable(QString("step %1").arg(step)));
    }
    const auto a = model::namedParameters(*straight.policy());
    const auto b = model::namedParameters(*second.policy());
    for (const auto& [name, p] : a)
        QVERIFY2(torch::equal(p, b.at(name)), name.c_str());
}

void TestCpo::resumeReadsReferenceCacheOfCheckpoint()
{
    // y1's π_ref values must come back from the checkpoint, not be scored again: scored in
    // another batch they differ in the last bits, which the bit-for-bit tests above cannot
    // be relied on to show on every machine. To make a rescoring visible, the resumed trainer
    // gets a *different* reference model: its negatives are scored by it, but y1's π_ref of
    // every example seen before the checkpoint must still be the checkpoint's.
    const auto oracle = tinyOracle();
    const data::OracleTask task(oracle);
    const auto all = task.examples(data::Split::Train);
    // Eight examples in batches of four: steps 1 and 2 cache all eight, steps 4 to 6 only
    // meet cached ones.
    const std::vector<data::TokenizedExample> trainSet(all.begin(), all.begin() + 8);
    auto options = smallCpo(6, task.eosId());
    // BN alone: no sampler scores y1 afresh (AN, MN and TN do, and that pass comes first).
    options.sampler.mixWeights = {0.0, 1.0, 0.0, 0.0};
    options.batchSize = 4;
    options.checkpointEvery = 3;
    options.metricsEvery = 1;
    const auto start = oracleStudent(oracle, 2);
    const auto referenceOfY1 = [](std::map<std::int64_t, double>& seen) {
        return [&seen](const train::CpoEvent& event) {
            if (const auto* m = std::get_if<train::CpoStepMetrics>(&event))
                seen[m->step] = m->referenceLogProbGroundTruth;
        };
    };

    QTemporaryDir straightDir;
    std::map<std::int64_t, double> straight;
    train::CpoTrainer straightTrainer(model::cloneModel(*start), model::cloneModel(*start),
                                      trainSet, options, straightDir.path().toStdString());
    straightTrainer.setEventCallback(referenceOfY1(straight));
    QVERIFY(straightTrainer.run().outcome == train::PhaseOutcome::Finished);

    QTemporaryDir splitDir;
    QVERIFY(trainUntilStopped(*start, trainSet, options, splitDir.path().toStdString(), 3));
    std::map<std::int64_t, double> resumed;
    const auto otherReference = oracleStudent(oracle, 99);
    train::CpoTrainer second(model::cloneModel(*start), model::cloneModel(*otherReference),
                             trainSet, options, splitDir.path().toStdString());
    second.resume(*train::latestCheckpoint(splitDir.path().toStdString()));
    second.setEventCallback(referenceOfY1(resumed));
    QVERIFY(second.run().outcome == train::PhaseOutcome::Finished);
    QCOMPARE(resumed.size(), std::size_t{3});
    for (const auto& [step, value] : resumed)
        QVERIFY2(value == straight.at(step),
                 qPrintable(QString("step %1: mean log π_ref(y1) %2 resumed, %3 uninterrupted "
                                    "(y1 was scored again instead of read from the "
                                    "checkpoint's reference cache)")
                                .arg(step)
                                .arg(value, 0, 'g', 17)
                                .arg(straight.at(step), 0, 'g', 17)));
}

void TestCpo::cpoRaisesAccuracyOnTheOracleTask()
{
    const auto oracle = tinyOracle();
    const data::OracleTask task(oracle);
    const auto trainSet = task.examples(data::Split::Train);
    const auto validation = task.examples(data::Split::Validation);
    auto student = oracleStudent(oracle, 3);
    QTemporaryDir dir;
    {
        train::MleOptions mle;
        mle.steps = 150;
        mle.batchSize = 16;
        mle.optimizer.lr = 3e-3;
        mle.optimizer.warmupSteps = 10;
        mle.evalEvery = 0;
        mle.checkpointEvery = 0;
        train::MleTrainer trainer(student, trainSet, validation, mle,
                                  (std::filesystem::path(dir.path().toStdString()) / "mle"));
        QVERIFY(trainer.run().outcome == train::PhaseOutcome::Finished);
    }
    // TN: negatives a short run learns to tell apart (an early stop). On this task BN's
    // (another prefix's answer: the 1-layer teacher's continuations hardly depend on the
    // prefix) and MN's (2 of 8 tokens replaced by likely ones) are close to y1 under π_ref:
    // separating them means modelling the teacher better, far more than a 60-step test.
    auto options = smallCpo(60, task.eosId());
    options.sampler.kind = neg::SamplerKind::Tn;
    options.beta = 2.0;
    options.optimizer.lr = 2e-3;
    options.samplesEvery = 20;
    train::CpoTrainer trainer(student, nullptr, trainSet, options,
                              std::filesystem::path(dir.path().toStdString()) / "cpo");
    std::vector<train::CpoStepMetrics> metrics;
    std::vector<train::SampleSet> samples;
    std::vector<train::HealthKind> alerts;
    trainer.setEventCallback([&](const train::CpoEvent& event) {
        if (const auto* m = std::get_if<train::CpoStepMetrics>(&event))
            metrics.push_back(*m);
        if (const auto* s = std::get_if<train::SampleSet>(&event))
            samples.push_back(*s);
        if (const auto* a = std::get_if<train::HealthAlert>(&event))
            alerts.push_back(a->kind);
    });
    QVERIFY(trainer.run().outcome == train::PhaseOutcome::Finished);
    QCOMPARE(metrics.size(), std::size_t{60});
    QCOMPARE(samples.size(), std::size_t{3});
    // Step 1: π_θ = π_ref, so every reward is 0 up to rounding (the two sides are computed
    // by different passes).
    QVERIFY(std::abs(metrics.front().rewardGroundTruth) < 1e-4);
    QVERIFY(std::abs(metrics.front().klGroundTruth) < 1e-5);
    // Stored and streamed as what it is, a log-ratio on y1 (it can be negative): no "kl".
    bool logRatioNamed = false;
    for (const auto& [name, value] : train::namedValues(metrics.back())) {
        QVERIFY2(name.find("kl") == std::string_view::npos, std::string(name).c_str());
        logRatioNamed = logRatioNamed || name == "logratio_y1";
    }
    QVERIFY(logRatioNamed);
    double late = 0.0;
    for (std::size_t i = metrics.size() - 10; i < metrics.size(); ++i)
        late += metrics[i].accuracy / 10.0;
    qInfo("accuracy over the last 10 steps: %.3f (1/K = 0.25); loss %.3f -> %.3f", late,
          metrics.front().loss, metrics.back().loss);
    for (const auto s : neg::kStrategies) {
        const auto& m = metrics.back().strategies[static_cast<std::size_t>(s)];
        if (m.negatives > 0)
            qInfo("%s: %lld negatives, mean beta*h %.3f (y1 %.3f)", neg::toString(s).data(),
                  static_cast<long long>(m.negatives), m.reward,
                  metrics.back().rewardGroundTruth);
    }
    QVERIFY2(late > 0.6, qPrintable(QString::number(late)));
    // TN alone is learnt completely: accuracy pinned at 1, loss near 0, and the health
    // check says so (once).
    QCOMPARE(std::count(alerts.begin(), alerts.end(), train::HealthKind::Saturated),
             std::ptrdiff_t{1});
    QVERIFY(metrics.back().margin > metrics.front().margin);
    std::int64_t negativesSeen = 0;
    for (const auto& s : metrics.back().strategies)
        negativesSeen += s.negatives;
    QCOMPARE(negativesSeen, std::int64_t{8 * 3});
    const auto& set = samples.back();
    QCOMPARE(set.candidates.size(), std::size_t{4});
    QVERIFY(!set.candidates.front().strategy.has_value());
    QCOMPARE(set.candidates.front().policyLogProbs.size(), set.candidates.front().tokens.size());
}

// Ranking on: every sample set carries, for each negative, its cosine similarity to y1 and
// its place in the Plackett–Luce target order: the negatives' ranks are a permutation of
// 1..K−1, most similar first; y1 has rank 0 and similarity 1.
void TestCpo::rankingSampleSetsCarrySimilarityAndRank()
{
    const auto oracle = tinyOracle();
    const data::OracleTask task(oracle);
    const auto trainSet = task.examples(data::Split::Train);
    auto options = smallCpo(3, task.eosId());
    options.ranking = true;
    options.samplesEvery = 1;
    QTemporaryDir dir;
    train::CpoTrainer trainer(oracleStudent(oracle, 4), nullptr, trainSet, options,
                              dir.path().toStdString());
    std::vector<train::CpoStepMetrics> metrics;
    std::vector<train::SampleSet> samples;
    trainer.setEventCallback([&](const train::CpoEvent& event) {
        if (const auto* m = std::get_if<train::CpoStepMetrics>(&event))
            metrics.push_back(*m);
        if (const auto* s = std::get_if<train::SampleSet>(&event))
            samples.push_back(*s);
    });
    const auto result = trainer.run();
    QVERIFY2(result.outcome == train::PhaseOutcome::Finished, result.message.c_str());
    QCOMPARE(metrics.size(), std::size_t{3});
    for (const auto& m : metrics) {
        QVERIFY2(std::isfinite(m.loss), qPrintable(QString::number(m.loss)));
        QVERIFY(std::isfinite(m.contrastiveLoss));
        QVERIFY(std::isfinite(m.kendallTau));
    }
    QCOMPARE(samples.size(), std::size_t{3});
    for (const auto& set : samples) {
        QCOMPARE(set.candidates.size(), static_cast<std::size_t>(options.k));
        const auto& y1 = set.candidates.front();
        QVERIFY(!y1.strategy.has_value());
        QCOMPARE(y1.rank, std::int64_t{0});
        QCOMPARE(y1.similarity, 1.0);
        std::vector<const train::SampleCandidate*> byRank;
        std::vector<std::int64_t> ranks;
        for (std::size_t k = 1; k < set.candidates.size(); ++k) {
            const auto& c = set.candidates[k];
            QVERIFY(c.strategy.has_value());
            QVERIFY2(std::isfinite(c.similarity) && c.similarity >= -1.0 - 1e-6 &&
                         c.similarity <= 1.0 + 1e-6,
                     qPrintable(QString::number(c.similarity)));
            ranks.push_back(c.rank);
            byRank.push_back(&c);
        }
        std::sort(ranks.begin(), ranks.end());
        std::vector<std::int64_t> expected(ranks.size());
        std::iota(expected.begin(), expected.end(), std::int64_t{1});
        QCOMPARE(ranks, expected); // a permutation of 1..K−1
        std::sort(byRank.begin(), byRank.end(),
                  [](const auto* a, const auto* b) { return a->rank < b->rank; });
        for (std::size_t i = 1; i < byRank.size(); ++i) // most similar first (ties allowed)
            QVERIFY2(byRank[i - 1]->similarity >= byRank[i]->similarity - 1e-9,
                     qPrintable(QString("rank %1 has similarity %2 < rank %3's %4")
                                    .arg(byRank[i - 1]->rank)
                                    .arg(byRank[i - 1]->similarity)
                                    .arg(byRank[i]->rank)
                                    .arg(byRank[i]->similarity)));
    }
}

namespace {

// The checks (0-based) at which a monitor raises an alert of `kind`, fed one check per
// (log π_θ(y1), margin, accuracy, loss); each check's step is its index + 1.
QList<int> alertChecks(train::HealthMonitor& monitor, train::HealthKind kind,
                       const QList<double>& logProbs, const QList<double>& margins,
                       const QList<double>& accuracies, const QList<double>& losses)
{
    QList<int> fired;
    for (int i = 0; i < logProbs.size(); ++i) {
        train::CpoStepMetrics m;
        m.step = i + 1;
        m.policyLogProbGroundTruth = logProbs[i];
        m.margin = margins[i];
        m.accuracy = accuracies.isEmpty() ? 0.5 : accuracies[i];
        m.loss = losses.isEmpty() ? 1.0 : losses[i];
        for (const auto& alert : monitor.check(m)) {
            if (alert.kind != kind)
                continue;
            if (alert.step != m.step)
                qWarning("alert step %lld at check %d", static_cast<long long>(alert.step), i);
            if (alert.message.empty())
                qWarning("alert without a message at check %d", i);
            fired.append(i);
        }
    }
    return fired;
}

} // namespace

void TestCpo::overOptimisationAlert_data()
{
    QTest::addColumn<int>("window");
    QTest::addColumn<QList<double>>("logProbs");
    QTest::addColumn<QList<double>>("margins");
    QTest::addColumn<QList<int>>("expected");
    // Window 3: three falling transitions, so the 4th check of a run completes it.
    QTest::newRow("fires at the check completing the window")
        << 3 << QList<double>{-10, -11, -12, -13} << QList<double>{1, 2, 3, 4} << QList<int>{3};
    QTest::newRow("not before")
        << 3 << QList<double>{-10, -11, -12} << QList<double>{1, 2, 3} << QList<int>{};
    QTest::newRow("once per run, however long it falls")
        << 3 << QList<double>{-10, -11, -12, -13, -14, -15, -16, -17, -18}
        << QList<double>{1, 2, 3, 4, 5, 6, 7, 8, 9} << QList<int>{3};
    QTest::newRow("a broken run starts again")
        << 3 << QList<double>{-10, -11, -12, -13, -14, -13, -14, -15, -16}
        << QList<double>{1, 2, 3, 4, 5, 6, 7, 8, 9} << QList<int>{3, 8};
    QTest::newRow("two falls, a break, two falls: never three in a row")
        << 3 << QList<double>{-10, -11, -12, -11, -12, -13}
        << QList<double>{1, 2, 3, 4, 5, 6} << QList<int>{};
    QTest::newRow("log-prob falls but the margin does not rise")
        << 2 << QList<double>{-10, -11, -12, -13} << QList<double>{1, 2, 2, 3} << QList<int>{};
    QTest::newRow("margin rises but the log-prob does not fall")
        << 2 << QList<double>{-10, -11, -11, -12} << QList<double>{1, 2, 3, 4} << QList<int>{};
    QTest::newRow("a NaN breaks the run")
        << 2 << QList<double>{-10, -11, std::numeric_limits<double>::quiet_NaN(), -12, -13}
        << QList<double>{1, 2, 3, 4, 5} << QList<int>{};
    QTest::newRow("window 1: every run of falls, once")
        << 1 << QList<double>{-10, -11, -12, -11, -12} << QList<double>{1, 2, 3, 4, 5}
        << QList<int>{1, 4};
}

void TestCpo::overOptimisationAlert()
{
    QFETCH(int, window);
    QFETCH(QList<double>, logProbs);
    QFETCH(QList<double>, margins);
    QFETCH(QList<int>, expected);
    train::CpoHealthOptions options;
    options.overOptimisationChecks = window;
    options.saturatedChecks = 0;
    train::HealthMonitor monitor(options);
    QCOMPARE(alertChecks(monitor, train::HealthKind::OverOptimisation, logProbs, margins, {}, {}),
             expected);
}

void TestCpo::saturationAlert_data()
{
    QTest::addColumn<int>("checks");
    QTest::addColumn<QList<double>>("accuracies");
    QTest::addColumn<QList<double>>("losses");
    QTest::addColumn<QList<int>>("expected");
    QTest::newRow("fires at the 3rd consecutive saturated check only")
        << 3 << QList<double>{1, 1, 1, 1, 1, 1} << QList<double>{0, 0, 0, 0, 0, 0}
        << QList<int>{2};
    QTest::newRow("a streak that breaks starts again")
        << 3 << QList<double>{1, 1, 0.5, 1, 1, 1, 1} << QList<double>{0, 0, 0, 0, 0, 0, 0}
        << QList<int>{5};
    QTest::newRow("accuracy 1 but the loss not near 0")
        << 2 << QList<double>{1, 1, 1} << QList<double>{0.01, 0.01, 0.01} << QList<int>{};
    QTest::newRow("loss near 0 but accuracy below 1")
        << 2 << QList<double>{0.99, 0.99, 0.99} << QList<double>{0, 0, 0} << QList<int>{};
    QTest::newRow("two streaks, two alerts")
        << 2 << QList<double>{1, 1, 1, 0, 1, 1} << QList<double>{0, 0, 0, 0, 0, 0}
        << QList<int>{1, 5};
}

void TestCpo::saturationAlert()
{
    QFETCH(int, checks);
    QFETCH(QList<double>, accuracies);
    QFETCH(QList<double>, losses);
    QFETCH(QList<int>, expected);
    train::CpoHealthOptions options;
    options.overOptimisationChecks = 0;
    options.saturatedChecks = checks;
    options.saturatedLoss = 1e-3;
    train::HealthMonitor monitor(options);
    const QList<double> flat(accuracies.size(), 0.0);
    QCOMPARE(alertChecks(monitor, train::HealthKind::Saturated, flat, flat, accuracies, losses),
             expected);
}

void TestCpo::healthChecksOff()
{
    train::CpoHealthOptions options;
    options.overOptimisationChecks = 0;
    options.saturatedChecks = 0;
    train::HealthMonitor monitor(options);
    QList<double> logProbs;
    QList<double> margins;
    for (int i = 0; i < 20; ++i) {
        logProbs.append(-i);
        margins.append(i);
    }
    const QList<double> ones(20, 1.0);
    const QList<double> zeros(20, 0.0);
    QVERIFY(alertChecks(monitor, train::HealthKind::OverOptimisation, logProbs, margins, ones,
                        zeros)
                .isEmpty());
    monitor.reset();
    QVERIFY(alertChecks(monitor, train::HealthKind::Saturated, logProbs, margins, ones, zeros)
                .isEmpty());
    // The defaults (5 and 5) on the same sequence: one alert of each kind.
    train::HealthMonitor defaults;
    QCOMPARE(alertChecks(defaults, train::HealthKind::OverOptimisation, logProbs, margins, ones,
                         zeros),
             QList<int>{5});
    defaults.reset();
    QCOMPARE(alertChecks(defaults, train::HealthKind::Saturated, logProbs, margins, ones, zeros),
             QList<int>{4});
}

void TestCpo::bf16CpoTracksFp32()
{
    // The same 4 CPO steps (TN negatives: the same ones in both runs, given the seed) from the
    // same weights in fp32 and with precision bf16: π_θ's and π_ref's scoring forwards run
    // under CPU autocast, the log-prob sums and the loss in fp32. Tolerance: each step's loss
    // within 0.02, absolute. The loss starts at ln 4 = 1.39 (π_θ = π_ref: every reward 0) and
    // a reward is β times a difference of two sums of ~10 log-probs, each rounded in bf16 by
    // ~0.4 % of a logit. (Accuracy is not compared: with rewards all near 0 at the start, which
    // candidate is highest is decided by rounding.)
    const auto oracle = tinyOracle();
    const data::OracleTask task(oracle);
    const auto trainSet = task.examples(data::Split::Train);
    auto options = smallCpo(4, task.eosId());
    options.sampler.kind = neg::SamplerKind::Tn;
    options.samplesEvery = 0;
    const auto start = oracleStudent(oracle, 4);
    std::vector<train::CpoStepMetrics> steps[2];
    for (const auto precision : {model::Precision::Fp32, model::Precision::Bf16}) {
        const bool bf16 = precision == model::Precision::Bf16;
        auto policy = model::cloneModel(*start);
        policy->setPrecision(precision);
        QTemporaryDir dir;
        train::CpoTrainer trainer(policy, nullptr, trainSet, options, dir.path().toStdString());
        QVERIFY(trainer.reference()->precision() == precision); // cloned from π_θ
        trainer.setEventCallback([&](const train::CpoEvent& event) {
            if (const auto* m = std::get_if<train::CpoStepMetrics>(&event))
                steps[bf16].push_back(*m);
        });
        QVERIFY(trainer.run().outcome == train::PhaseOutcome::Finished);
        for (const auto& p : policy->parameters())
            QCOMPARE(p.scalar_type(), torch::kFloat32);
    }
    QCOMPARE(steps[1].size(), steps[0].size());
    double worst = 0.0;
    for (std::size_t i = 0; i < steps[0].size(); ++i) {
        QVERIFY(!steps[1][i].cudaPeakMemGb); // a CPU step has no CUDA figure
        worst = std::max(worst, std::abs(steps[1][i].loss - steps[0][i].loss));
    }
    qInfo("bf16 against fp32: CPO step losses within %.5f (first %.5f against %.5f)", worst,
          steps[1][0].loss, steps[0][0].loss);
    QVERIFY(steps[1][0].loss != steps[0][0].loss); // the bf16 forwards really ran in bf16
    QVERIFY(worst <= 0.02);
}

QTEST_MAIN(TestCpo)
#include "tst_cpo.moc"
