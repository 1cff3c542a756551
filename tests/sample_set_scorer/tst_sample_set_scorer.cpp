// The inspector's SampleSetScorer: its per-token log π_θ and log π_ref, computed on demand
// from a run's checkpoints, against a direct forward pass of the same models on the same
// tokens. The run folder, its two checkpoints (tiny random GPT-2s) and the store are made here.
#include "test_env.h"

#include "engine/sample_set_scorer.h"
#include "model/causal_lm.h"
#include "model/hf_folder.h"
#include "model/model_config.h"
#include "store/candidate_score_store.h"
#include "store/run_store.h"
#include "train/checkpoint.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <numeric>

using namespace cpo;
namespace fs = std::filesystem;

namespace {

// float32 log-probs summed over the candidates' few tokens: far below this.
constexpr double kTolerance = 1e-4;
constexpr double kBeta = 5.0; // demo-oracle.json's cpo.beta

// The demo's oracle task has 128 symbols and EOS: a vocabulary of 129.
model::CausalLM tinyModel(std::uint64_t seed)
{
    model::ModelConfig config;
    config.arch = model::Architecture::Gpt2;
    config.vocabSize = 129;
    config.hiddenSize = 16;
    config.numLayers = 2;
    config.numHeads = 2;
    config.numKeyValueHeads = 2;
    config.intermediateSize = 32;
    config.maxPositions = 64;
    torch::manual_seed(seed);
    auto model = model::createModel(config);
    model->eval();
    return model;
}

// A checkpoint folder as the trainer leaves it: the HF model and its training state (the
// scorer reads the model; the state only marks the folder complete).
fs::path saveCheckpoint(const model::CausalLMImpl& model, const fs::path& runDir,
                        const char* phase, std::int64_t step)
{
    const auto folder = train::checkpointFolder(runDir / phase, step);
    model::saveHfModel(model, folder);
    std::ofstream(folder / train::kTrainingStateFile) << "state";
    return folder;
}

// Per continuation token: log p(token | prompt, the tokens before it), by one forward pass of
// the whole sequence and a log-softmax over the vocabulary.
std::vector<double> directLogProbs(model::CausalLMImpl& model,
                                   const std::vector<std::int32_t>& prompt,
                                   const std::vector<std::int32_t>& continuation)
{
    std::vector<std::int64_t> ids(prompt.begin(), prompt.end());
    ids.insert(ids.end(), continuation.begin(), continuation.end());
    torch::NoGradGuard noGrad;
    const auto input = torch::tensor(ids, torch::kInt64).unsqueeze(0);
    const auto logProbs =
        torch::log_softmax(model.forward(input).logits.to(torch::kFloat64), -1)[0];
    std::vector<double> out;
    for (std::size_t t = 0; t < continuation.size(); ++t) {
        const auto position = static_cast<std::int64_t>(prompt.size() + t) - 1;
        out.push_back(logProbs[position][continuation[t]].item<double>());
    }
    return out;
}

store::CandidateRecord candidate(int idx, std::vector<std::int32_t> tokens)
{
    store::CandidateRecord c;
    c.idx = idx;
    c.role = idx == 0 ? store::CandidateRole::GroundTruth : store::CandidateRole::Negative;
    c.strategy = idx == 0 ? "" : "AN";
    c.tokenIds = std::move(tokens);
    return c;
}

} // namespace

class TestSampleSetScorer : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void matchesADirectForwardPass();
};

void TestSampleSetScorer::matchesADirectForwardPass()
{
    torch::set_num_threads(1);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const fs::path runDir = dir.filePath("run").toStdString();
    const fs::path db = dir.filePath("runs.sqlite").toStdString();
    fs::create_directories(runDir);
    fs::copy_file((test::sourceDir() + "/experiments/demo-oracle.json").toStdString(),
                  runDir / "experiment.json");
    auto reference = tinyModel(11); // π_ref: the MLE phase's last checkpoint
    auto policy = tinyModel(12);    // π_θ: the CPO checkpoint scored under
    saveCheckpoint(*tinyModel(10), runDir, "mle", 5); // an earlier one, not the reference
    saveCheckpoint(*reference, runDir, "mle", 20);
    const auto checkpoint = saveCheckpoint(*policy, runDir, "cpo", 7);

    const std::vector<std::int32_t> prompt{3, 17, 42, 5, 99, 0, 127};
    store::SampleSetRecord set;
    {
        store::RunStore runs(db);
        store::RunRecord run;
        run.name = "scorer";
        run.runDir = runDir.string();
        set.runId = runs.createRun(run);
        set.phase = "cpo";
        set.step = 3;
        set.prompt = "s3 s17 s42 s5 s99 s0 s127"; // as the trainer stores the oracle's prompt
        set.candidates = {candidate(0, {8, 9, 10, 128}), candidate(1, {8, 100, 2, 7, 128}),
                          candidate(2, {64})};
        set.id = runs.insertSampleSet(set);
    }

    engine::SampleSetScorer scorer(runDir, db);
    const auto scored = scorer.scoreUnder(set, "cpo", 7, checkpoint);
    QCOMPARE(scored.candidates.size(), set.candidates.size());
    for (const auto& c : scored.candidates) {
        const auto theta = directLogProbs(*policy, prompt, c.tokenIds);
        const auto ref = directLogProbs(*reference, prompt, c.tokenIds);
        QCOMPARE(c.logpTheta.size(), c.tokenIds.size());
        QCOMPARE(c.logpRef.size(), c.tokenIds.size());
        for (std::size_t t = 0; t < c.tokenIds.size(); ++t) {
            const auto where = QStringLiteral("candidate %1, token %2: scorer %3 / %4, direct "
                                              "%5 / %6")
                                   .arg(c.idx)
                                   .arg(t)
                                   .arg(c.logpTheta[t])
                                   .arg(c.logpRef[t])
                                   .arg(theta[t])
                                   .arg(ref[t]);
            QVERIFY2(std::abs(c.logpTheta[t] - theta[t]) < kTolerance, qPrintable(where));
            QVERIFY2(std::abs(c.logpRef[t] - ref[t]) < kTolerance, qPrintable(where));
        }
        const double expected = kBeta * (std::accumulate(theta.begin(), theta.end(), 0.0) -
                                         std::accumulate(ref.begin(), ref.end(), 0.0));
        QVERIFY(c.reward);
        QVERIFY2(std::abs(*c.reward - expected) < kBeta * kTolerance * 2 * c.tokenIds.size(),
                 qPrintable(QStringLiteral("reward %1, direct %2").arg(*c.reward).arg(expected)));
    }
    // The two models differ: a scorer reading one model for both would pass nothing above.
    QVERIFY(std::abs(*scored.candidates[0].reward) > 1e-3);

    // Kept in the store: a second scorer reads the same values without the checkpoint.
    fs::remove_all(checkpoint);
    engine::SampleSetScorer again(runDir, db);
    const auto stored = again.scoreUnder(set, "cpo", 7, checkpoint);
    for (std::size_t i = 0; i < stored.candidates.size(); ++i)
        QCOMPARE(stored.candidates[i].logpTheta, scored.candidates[i].logpTheta);
}

QTEST_GUILESS_MAIN(TestSampleSetScorer)
#include "tst_sample_set_scorer.moc"
