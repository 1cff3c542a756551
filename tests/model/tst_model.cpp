#include "model/autocast_scope.h"
#include "model/causal_lm.h"
#include "model/cuda_peak_memory.h"
#include "model/device.h"
#include "model/hf_folder.h"
#include "model/model_config.h"
#include "util/error.h"

#include "test_env.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace cpo::model;
using nlohmann::json;

namespace {

std::filesystem::path goldenDir(const QString& name)
{
    return std::filesystem::path(cpo::test::sourceDir().toStdString()) / "tests" / "golden" /
           name.toStdString();
}

json readJson(const std::filesystem::path& file)
{
    std::ifstream in(file);
    return json::parse(in);
}

// A nested JSON array of numbers as a tensor of the given dtype.
torch::Tensor tensorFromJson(const json& value, torch::ScalarType dtype)
{
    std::vector<std::int64_t> shape;
    for (const json* level = &value; level->is_array(); level = &level->front())
        shape.push_back(static_cast<std::int64_t>(level->size()));
    std::vector<double> flat;
    std::function<void(const json&)> collect = [&](const json& v) {
        if (v.is_array()) {
            for (const auto& item : v)
                collect(item);
        } else {
            flat.push_back(v.get<double>());
        }
    };
    collect(value);
    return torch::tensor(flat, torch::kDouble).view(shape).to(dtype);
}

double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b)
{
    return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

ModelConfig tinyConfig(const QString& kind)
{
    ModelConfig c;
    c.vocabSize = 64;
    c.hiddenSize = 32;
    c.numLayers = 2;
    c.numHeads = 4;
    c.numKeyValueHeads = 4;
    c.intermediateSize = 64;
    c.maxPositions = 128;
    c.bosTokenId = 1;
    c.eosTokenId = 2;
    if (kind == "gpt2") {
        c.arch = Architecture::Gpt2;
        c.intermediateSize = 128;
    } else {
        c.arch = Architecture::Llama;
        c.normEps = 1e-6;
        c.ropeTheta = 500000.0;
        c.tieWordEmbeddings = kind == "llama-tied";
        if (kind == "llama-gqa")
            c.numKeyValueHeads = 2;
    }
    return c;
}

// A seeded model whose weights are ten times HF's init, so that logits differ clearly from
// one token to the next and greedy decoding does not hinge on near ties.
CausalLM randomModel(const QString& kind, std::uint64_t seed = 11)
{
    torch::manual_seed(seed);
    auto model = createModel(tinyConfig(kind));
    torch::NoGradGuard noGrad;
    for (auto& p : model->parameters()) {
        if (p.dim() == 2)
            p.mul_(10.0);
    }
    model->eval();
    return model;
}

void addArchitectureRows()
{
    QTest::addColumn<QString>("kind");
    for (const char* kind : {"gpt2", "llama-gqa", "llama-tied"})
        QTest::newRow(kind) << QString(kind);
}

// Left-padded prompts of different lengths, as generation batches them.
std::pair<torch::Tensor, torch::Tensor> leftPaddedPrompts()
{
    const std::vector<std::vector<std::int64_t>> prompts = {
        {5, 9, 13}, {7, 3, 22, 41, 8, 19, 60}, {33, 12, 50, 4, 27}};
    const std::int64_t width = 7;
    auto ids = torch::zeros({3, width}, torch::kLong);
    auto mask = torch::zeros({3, width}, torch::kLong);
    for (std::size_t row = 0; row < prompts.size(); ++row) {
        const auto& p = prompts[row];
        const auto offset = width - static_cast<std::int64_t>(p.size());
        for (std::size_t i = 0; i < p.size(); ++i)
            ids[row][offset + static_cast<std::int64_t>(i)] = p[i];
        mask[row].narrow(0, offset, static_cast<std::int64_t>(p.size())).fill_(1);
    }
    return {ids, mask};
}

json baseHfConfig(const QString& arch)
{
    if (arch == "gpt2") {
        return {{"model_type", "gpt2"}, {"n_embd", 32},     {"n_layer", 2},
                {"n_head", 4},          {"n_inner", nullptr}, {"n_positions", 64},
                {"vocab_size", 64},     {"activation_function", "gelu_new"}};
    }
    return {{"model_type", "llama"},  {"hidden_size", 32},     {"num_hidden_layers", 2},
            {"num_attention_heads", 4}, {"intermediate_size", 64}, {"vocab_size", 64},
            {"hidden_act", "silu"},   {"rope_scaling", nullptr}};
}

} // namespace

class TestModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void goldenLogits_data();
    void goldenLogits();

    void parameterNamesAreHf_data();
    void parameterNamesAreHf();

    void kvCacheMatchesRecompute_data();
    void kvCacheMatchesRecompute();

    void cacheRowsCanBeRepeated_data();
    void cacheRowsCanBeRepeated();

    void reservedCacheWritesInPlace_data();
    void reservedCacheWritesInPlace();

    void logitsFromSkipsLeadingPositions_data();
    void logitsFromSkipsLeadingPositions();

    void paddingInvariance_data();
    void paddingInvariance();

    void fullyPaddedRowIsFinite_data();
    void fullyPaddedRowIsFinite();

    void gradientsReachEveryParameter_data();
    void gradientsReachEveryParameter();

    void activationCheckpointingKeepsGradients_data();
    void activationCheckpointingKeepsGradients();

    void cloneIsDeep_data();
    void cloneIsDeep();

    void sameSeedSameWeights();

    void configErrorsNameTheField_data();
    void configErrorsNameTheField();

    void configRoundTrip_data();
    void configRoundTrip();

    void configDefaults();

    void autocastScopeRestoresState();
    void bf16ForwardUnderAutocast_data();
    void bf16ForwardUnderAutocast();
    void activationCheckpointingUnderAutocast_data();
    void activationCheckpointingUnderAutocast();
    void toDeviceOnCpuIsTheTensor();
    void cudaPeakMemoryIsAbsentOnCpu();
};

void TestModel::initTestCase()
{
    QVERIFY2(!cpo::test::sourceDir().isEmpty(), "CPO_SOURCE_DIR must point at the repository");
    torch::set_num_threads(1);
}

void TestModel::goldenLogits_data()
{
    QTest::addColumn<QString>("folder");
    QTest::newRow("gpt2") << QString("gpt2-tiny");
    QTest::newRow("llama") << QString("llama-tiny");
}

// Logits and hidden states against tests/golden/make_golden.py's independent float64
// reference of HF's math; tolerance 1e-4 absolute (float32 engine vs float64 reference).
void TestModel::goldenLogits()
{
    QFETCH(QString, folder);
    const auto dir = goldenDir(folder);
    const json golden = readJson(dir / "golden.json");
    const double tolerance = golden.at("tolerance").get<double>();
    const CausalLM model = loadHfModel(dir);
    model->eval();
    torch::NoGradGuard noGrad;
    for (const auto& c : golden.at("cases")) {
        const std::string name = c.at("name").get<std::string>();
        const auto ids = tensorFromJson(c.at("input_ids"), torch::kLong);
        const bool padded = !c.at("attention_mask").is_null();
        const auto mask = padded ? tensorFromJson(c.at("attention_mask"), torch::kLong)
                                 : torch::Tensor();
        const auto out = model->forward(ids, mask);
        const auto expected = tensorFromJson(c.at("logits"), torch::kDouble);
        QVERIFY(out.logits.sizes() == expected.sizes());
        // Only real tokens are in the contract; padded positions are free.
        const auto real = (padded ? mask : torch::ones_like(ids)).to(torch::kBool);
        const double diff = maxAbsDiff(out.logits.index({real}), expected.index({real}));
        QVERIFY2(diff < tolerance,
                 qPrintable(QString("%1 %2: logits off by %3").arg(folder).arg(
                     QString::fromStdString(name)).arg(diff)));
        if (c.contains("hidden")) {
            const double hiddenDiff =
                maxAbsDiff(out.hidden, tensorFromJson(c.at("hidden"), torch::kDouble));
            QVERIFY2(hiddenDiff < tolerance,
                     qPrintable(QString("%1: hidden off by %2").arg(folder).arg(hiddenDiff)));
        }
    }
}

void TestModel::parameterNamesAreHf_data()
{
    addArchitectureRows();
}

void TestModel::parameterNamesAreHf()
{
    QFETCH(QString, kind);
    const ModelConfig c = tinyConfig(kind);
    const std::int64_t n = c.hiddenSize;
    const std::int64_t kv = c.numKeyValueHeads * c.headDim();
    const std::int64_t inner = c.intermediateSize;
    std::map<std::string, std::vector<std::int64_t>> expected; // name -> shape
    for (std::int64_t i = 0; i < c.numLayers; ++i) {
        if (c.arch == Architecture::Gpt2) {
            const std::string h = "transformer.h." + std::to_string(i) + ".";
            expected[h + "ln_1.weight"] = {n};
            expected[h + "ln_1.bias"] = {n};
            expected[h + "attn.c_attn.weight"] = {n, 3 * n};
            expected[h + "attn.c_attn.bias"] = {3 * n};
            expected[h + "attn.c_proj.weight"] = {n, n};
            expected[h + "attn.c_proj.bias"] = {n};
            expected[h + "ln_2.weight"] = {n};
            expected[h + "ln_2.bias"] = {n};
            expected[h + "mlp.c_fc.weight"] = {n, inner};
            expected[h + "mlp.c_fc.bias"] = {inner};
            expected[h + "mlp.c_proj.weight"] = {inner, n};
            expected[h + "mlp.c_proj.bias"] = {n};
        } else {
            const std::string l = "model.layers." + std::to_string(i) + ".";
            expected[l + "self_attn.q_proj.weight"] = {n, n};
            expected[l + "self_attn.k_proj.weight"] = {kv, n};
            expected[l + "self_attn.v_proj.weight"] = {kv, n};
            expected[l + "self_attn.o_proj.weight"] = {n, n};
            expected[l + "mlp.gate_proj.weight"] = {inner, n};
            expected[l + "mlp.up_proj.weight"] = {inner, n};
            expected[l + "mlp.down_proj.weight"] = {n, inner};
            expected[l + "input_layernorm.weight"] = {n};
            expected[l + "post_attention_layernorm.weight"] = {n};
        }
    }
    if (c.arch == Architecture::Gpt2) {
        expected["transformer.wte.weight"] = {c.vocabSize, n};
        expected["transformer.wpe.weight"] = {c.maxPositions, n};
        expected["transformer.ln_f.weight"] = {n};
        expected["transformer.ln_f.bias"] = {n};
    } else {
        expected["model.embed_tokens.weight"] = {c.vocabSize, n};
        expected["model.norm.weight"] = {n};
        if (!c.tieWordEmbeddings)
            expected["lm_head.weight"] = {c.vocabSize, n};
    }

    auto describe = [](const std::string& name, c10::IntArrayRef shape) {
        std::ostringstream text;
        text << name << ' ' << shape;
        return QString::fromStdString(text.str());
    };
    QStringList expectedList;
    for (const auto& [name, shape] : expected)
        expectedList << describe(name, shape);

    const auto model = createModel(c);
    QStringList actualList;
    std::int64_t total = 0;
    for (const auto& [name, tensor] : namedParameters(*model)) {
        actualList << describe(name, tensor.sizes());
        total += tensor.numel();
    }
    QCOMPARE(actualList, expectedList);
    QCOMPARE(countParameters(*model), total);
    QCOMPARE(model->lmHeadTied(), c.tieWordEmbeddings);
}

void TestModel::kvCacheMatchesRecompute_data()
{
    addArchitectureRows();
}

// 64 greedy steps over left-padded prompts: every step's logits from the cache equal those of
// a full forward pass over the whole sequence so far, within 1e-5.
void TestModel::kvCacheMatchesRecompute()
{
    QFETCH(QString, kind);
    const auto model = randomModel(kind);
    torch::NoGradGuard noGrad;
    auto [ids, mask] = leftPaddedPrompts();
    KVCache cache;
    auto step = model->forward(ids, mask, &cache);
    double worst = 0.0;
    for (int i = 0; i < 64; ++i) {
        const auto next = step.logits.select(1, -1).argmax(-1, true); // [batch, 1]
        ids = torch::cat({ids, next}, 1);
        mask = torch::cat({mask, torch::ones_like(next)}, 1);
        step = model->forward(next, mask, &cache);
        QCOMPARE(cache.length(), ids.size(1));
        const auto full = model->forward(ids, mask);
        worst = std::max(worst, maxAbsDiff(step.logits.select(1, -1),
                                           full.logits.select(1, -1)));
        worst = std::max(worst, maxAbsDiff(step.hidden.select(1, -1),
                                           full.hidden.select(1, -1)));
    }
    QVERIFY2(worst < 1e-5, qPrintable(QString("cache vs recompute: %1").arg(worst)));
    // The run must not have collapsed to one repeated token, or it would test little.
    QVERIFY(std::get<0>(torch::_unique(ids.narrow(1, 7, 64))).numel() > 4);
}

void TestModel::cacheRowsCanBeRepeated_data()
{
    addArchitectureRows();
}

// One encoded prompt, three continuations against its repeated cache (how the CPO sampler
// shares a prompt among K candidates).
void TestModel::cacheRowsCanBeRepeated()
{
    QFETCH(QString, kind);
    const auto model = randomModel(kind);
    torch::NoGradGuard noGrad;
    const auto prompt = torch::tensor({{4, 18, 9, 30, 2}}, torch::kLong);
    KVCache cache;
    model->forward(prompt, {}, &cache);
    KVCache repeated = cache.selectRows(torch::tensor({0, 0, 0}, torch::kLong));
    QCOMPARE(repeated.keys.front().size(0), std::int64_t{3});
    const auto continuation = torch::tensor({{7, 8}, {50, 1}, {3, 3}}, torch::kLong);
    const auto cached = model->forward(continuation, {}, &repeated);
    const auto full = model->forward(torch::cat({prompt.expand({3, 5}), continuation}, 1));
    QVERIFY(maxAbsDiff(cached.logits, full.logits.narrow(1, 5, 2)) < 1e-5);
    QCOMPARE(cache.keys.front().size(0), std::int64_t{1}); // the original is untouched
}

void TestModel::logitsFromSkipsLeadingPositions_data()
{
    addArchitectureRows();
}

// Scoring asks for the logits of the continuation positions only: they equal the full call's
// (the LM head is per position), the hidden states still cover every position, and the
// prompt-only call (logitsFrom = time) fills the cache without computing any.
void TestModel::logitsFromSkipsLeadingPositions()
{
    QFETCH(QString, kind);
    const auto model = randomModel(kind);
    torch::NoGradGuard noGrad;
    const auto [ids, mask] = leftPaddedPrompts();
    const auto full = model->forward(ids, mask);
    const auto tail = model->forward(ids, mask, nullptr, 4);
    QCOMPARE(tail.logits.size(1), std::int64_t{3});
    QVERIFY(maxAbsDiff(tail.logits, full.logits.narrow(1, 4, 3)) < 1e-6);
    QVERIFY(maxAbsDiff(tail.hidden, full.hidden) < 1e-6);
    KVCache cache;
    QCOMPARE(model->forward(ids, mask, &cache, 7).logits.size(1), std::int64_t{0});
    QCOMPARE(cache.length(), std::int64_t{7});
    bool refused = false;
    try {
        (void)model->forward(ids, mask, nullptr, 8);
    } catch (const c10::Error&) {
        refused = true;
    }
    QVERIFY(refused);
}

void TestModel::reservedCacheWritesInPlace_data()
{
    addArchitectureRows();
}

// With room reserved for every position, decoding writes each token's keys and values into
// the cache's buffers instead of copying the past at every token, and still equals
// recomputation.
void TestModel::reservedCacheWritesInPlace()
{
    QFETCH(QString, kind);
    const auto model = randomModel(kind);
    torch::NoGradGuard noGrad;
    auto [ids, mask] = leftPaddedPrompts();
    const int steps = 8;
    KVCache cache;
    cache.reserve(ids.size(1) + steps);
    auto step = model->forward(ids, mask, &cache);
    const auto* buffer = cache.keys.front().data_ptr();
    double worst = 0.0;
    for (int i = 0; i < steps; ++i) {
        const auto next = step.logits.select(1, -1).argmax(-1, true);
        ids = torch::cat({ids, next}, 1);
        mask = torch::cat({mask, torch::ones_like(next)}, 1);
        step = model->forward(next, mask, &cache);
        worst = std::max(worst, maxAbsDiff(step.logits.select(1, -1),
                                           model->forward(ids, mask).logits.select(1, -1)));
    }
    QVERIFY(cache.keys.front().data_ptr() == buffer);
    QCOMPARE(cache.length(), ids.size(1));
    QVERIFY2(worst < 1e-5, qPrintable(QString("cache vs recompute: %1").arg(worst)));
}

void TestModel::paddingInvariance_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<bool>("leftPadding");
    for (const char* kind : {"gpt2", "llama-gqa", "llama-tied"}) {
        QTest::newRow(qPrintable(QString("%1 right").arg(kind))) << QString(kind) << false;
        QTest::newRow(qPrintable(QString("%1 left").arg(kind))) << QString(kind) << true;
    }
}

// A padded row's real-token logits equal the unpadded row's, whichever side the padding is.
void TestModel::paddingInvariance()
{
    QFETCH(QString, kind);
    QFETCH(bool, leftPadding);
    const auto model = randomModel(kind);
    torch::NoGradGuard noGrad;
    const auto shortRow = torch::tensor({{3, 14, 15, 9, 26, 5, 35, 8, 9, 7}}, torch::kLong);
    const auto alone = model->forward(shortRow).logits;

    const std::int64_t width = 14;
    const std::int64_t offset = leftPadding ? width - 10 : 0;
    auto ids = torch::randint(0, 64, {2, width}, torch::kLong);
    auto mask = torch::ones({2, width}, torch::kLong);
    mask[0].fill_(0);
    mask[0].narrow(0, offset, 10).fill_(1);
    ids[0].narrow(0, offset, 10).copy_(shortRow[0]);
    const auto batched = model->forward(ids, mask).logits;
    const double diff = maxAbsDiff(batched[0].narrow(0, offset, 10), alone[0]);
    QVERIFY2(diff < 1e-5, qPrintable(QString("padded vs alone: %1").arg(diff)));
}

void TestModel::fullyPaddedRowIsFinite_data()
{
    addArchitectureRows();
}

void TestModel::fullyPaddedRowIsFinite()
{
    QFETCH(QString, kind);
    const auto model = randomModel(kind);
    torch::NoGradGuard noGrad;
    const auto ids = torch::randint(0, 64, {2, 6}, torch::kLong);
    auto mask = torch::ones({2, 6}, torch::kLong);
    mask[1].fill_(0);
    const auto out = model->forward(ids, mask);
    QVERIFY(torch::isfinite(out.logits).all().item<bool>());
    QVERIFY(torch::isfinite(out.hidden).all().item<bool>());
}

void TestModel::gradientsReachEveryParameter_data()
{
    addArchitectureRows();
}

// Training runs backward through a padded batch: every parameter (the tied embedding through
// both of its uses) gets a finite, nonzero gradient.
void TestModel::gradientsReachEveryParameter()
{
    QFETCH(QString, kind);
    const auto model = randomModel(kind);
    model->train();
    const auto ids = torch::randint(0, 64, {2, 9}, torch::kLong);
    auto mask = torch::ones({2, 9}, torch::kLong);
    mask[1].narrow(0, 6, 3).fill_(0);
    const auto out = model->forward(ids, mask);
    const auto loss = torch::cross_entropy_loss(out.logits.narrow(1, 0, 8).reshape({-1, 64}),
                                                ids.narrow(1, 1, 8).reshape({-1}));
    QVERIFY(std::isfinite(loss.item<double>()));
    loss.backward();
    for (const auto& [name, p] : namedParameters(*model)) {
        QVERIFY2(p.grad().defined(), name.c_str());
        QVERIFY2(torch::isfinite(p.grad()).all().item<bool>(), name.c_str());
        QVERIFY2(p.grad().abs().sum().item<double>() > 0.0, name.c_str());
    }
}

namespace {

// Whether the graph behind `output` holds a checkpointed block's node.
bool hasCheckpointNode(const torch::Tensor& output)
{
    std::vector<torch::autograd::Node*> todo{output.grad_fn().get()};
    std::set<torch::autograd::Node*> seen;
    while (!todo.empty()) {
        auto* node = todo.back();
        todo.pop_back();
        if (node == nullptr || !seen.insert(node).second)
            continue;
        if (node->name().find("CheckpointedBlock") != std::string::npos)
            return true;
        for (const auto& edge : node->next_edges())
            todo.push_back(edge.function.get());
    }
    return false;
}

} // namespace

void TestModel::activationCheckpointingKeepsGradients_data()
{
    addArchitectureRows();
}

void TestModel::activationCheckpointingKeepsGradients()
{
    // The same loss backward with and without checkpointing: every parameter's gradient
    // within 1e-6, while the checkpointed graph really holds the recomputing nodes.
    QFETCH(QString, kind);
    const auto ids = torch::randint(0, 64, {2, 9}, torch::kLong);
    auto mask = torch::ones({2, 9}, torch::kLong);
    mask[1].narrow(0, 6, 3).fill_(0);
    std::map<std::string, torch::Tensor> grads[2];
    for (const bool checkpointing : {false, true}) {
        const auto model = randomModel(kind);
        model->train();
        model->setActivationCheckpointing(checkpointing);
        const auto out = model->forward(ids, mask);
        QCOMPARE(hasCheckpointNode(out.logits), checkpointing);
        const auto loss = torch::cross_entropy_loss(out.logits.narrow(1, 0, 8).reshape({-1, 64}),
                                                    ids.narrow(1, 1, 8).reshape({-1}));
        loss.backward();
        for (const auto& [name, p] : namedParameters(*model)) {
            QVERIFY2(p.grad().defined(), name.c_str());
            grads[checkpointing][name] = p.grad().clone();
        }
    }
    QCOMPARE(grads[1].size(), grads[0].size());
    for (const auto& [name, grad] : grads[0]) {
        QVERIFY2(grad.abs().sum().item<double>() > 0.0, name.c_str());
        const auto difference = maxAbsDiff(grads[1][name], grad);
        QVERIFY2(difference <= 1e-6, qPrintable(QString::fromStdString(name) + " differs by " +
                                                QString::number(difference)));
    }

    // No graph, or a KV cache: no checkpointing, the plain forward.
    const auto model = randomModel(kind);
    model->setActivationCheckpointing(true);
    {
        torch::NoGradGuard noGrad;
        QVERIFY(!hasCheckpointNode(model->forward(ids, mask).logits));
    }
    KVCache cache;
    QVERIFY(!hasCheckpointNode(model->forward(ids, mask, &cache).logits));
}

void TestModel::cloneIsDeep_data()
{
    addArchitectureRows();
}

void TestModel::cloneIsDeep()
{
    QFETCH(QString, kind);
    const auto model = randomModel(kind);
    const auto clone = cloneModel(*model);
    QVERIFY(clone.get() != model.get());
    QCOMPARE(clone->is_training(), model->is_training());
    const auto original = namedParameters(*model);
    auto copied = namedParameters(*clone);
    QCOMPARE(copied.size(), original.size());
    for (const auto& [name, tensor] : original) {
        QVERIFY2(torch::equal(copied.at(name), tensor), name.c_str());
        QVERIFY(copied.at(name).data_ptr() != tensor.data_ptr());
    }
    torch::NoGradGuard noGrad;
    const auto ids = torch::tensor({{1, 2, 3, 4}}, torch::kLong);
    const auto before = model->forward(ids).logits;
    QVERIFY(torch::equal(clone->forward(ids).logits, before));
    for (auto& [name, tensor] : copied)
        tensor.add_(1.0);
    QVERIFY(torch::equal(model->forward(ids).logits, before));
    for (const auto& [name, tensor] : namedParameters(*model))
        QVERIFY(!torch::equal(copied.at(name), tensor));
}

void TestModel::sameSeedSameWeights()
{
    for (const char* kind : {"gpt2", "llama-gqa"}) {
        torch::manual_seed(42);
        const auto a = namedParameters(*createModel(tinyConfig(kind)));
        torch::manual_seed(42);
        const auto b = namedParameters(*createModel(tinyConfig(kind)));
        torch::manual_seed(43);
        const auto c = namedParameters(*createModel(tinyConfig(kind)));
        for (const auto& [name, tensor] : a) {
            QVERIFY2(torch::equal(tensor, b.at(name)), name.c_str());
            if (tensor.dim() == 2)
                QVERIFY2(!torch::equal(tensor, c.at(name)), name.c_str());
        }
        // HF's init: unit norms, zero biases, std 0.02 weights.
        for (const auto& [name, tensor] : a) {
            if (tensor.dim() == 1) {
                const double value = name.ends_with(".bias") ? 0.0 : 1.0;
                QVERIFY2(torch::all(tensor == value).item<bool>(), name.c_str());
            }
        }
        const auto& embedding = a.at(QString(kind) == "gpt2" ? "transformer.wte.weight"
                                                             : "model.embed_tokens.weight");
        QVERIFY(std::abs(embedding.std().item<double>() - 0.02) < 0.002);
    }
}

void TestModel::configErrorsNameTheField_data()
{
    QTest::addColumn<QString>("arch");
    QTest::addColumn<QString>("patch");
    QTest::addColumn<QString>("field");
    auto row = [](const char* name, const char* arch, const char* patch, const char* field) {
        QTest::newRow(name) << QString(arch) << QString(patch) << QString(field);
    };
    row("gpt2 heads", "gpt2", R"({"n_embd": 30})", "n_embd");
    row("gpt2 layers", "gpt2", R"({"n_layer": 0})", "n_layer");
    row("gpt2 activation", "gpt2", R"({"activation_function": "relu"})",
        "activation_function");
    row("gpt2 untied", "gpt2", R"({"tie_word_embeddings": false})", "tie_word_embeddings");
    row("llama heads", "llama", R"({"hidden_size": 30})",
        "not divisible by num_attention_heads");
    row("llama kv heads", "llama", R"({"num_key_value_heads": 3})", "num_key_value_heads");
    row("llama rope scaling", "llama", R"({"rope_scaling": {"type": "linear", "factor": 2}})",
        "rope_scaling");
    row("llama act", "llama", R"({"hidden_act": "gelu"})", "hidden_act");
    row("llama type", "llama", R"({"vocab_size": "many"})", "vocab_size");
    row("llama eps", "llama", R"({"rms_norm_eps": 0})", "rms_norm_eps");
    row("model type", "llama", R"({"model_type": "bert"})", "model_type");
}

void TestModel::configErrorsNameTheField()
{
    QFETCH(QString, arch);
    QFETCH(QString, patch);
    QFETCH(QString, field);
    json config = baseHfConfig(arch);
    config.merge_patch(json::parse(patch.toStdString()));
    try {
        configFromJson(config);
        QFAIL("the config was accepted");
    } catch (const cpo::Error& e) {
        QVERIFY2(QString(e.what()).contains(field), e.what());
    }
}

void TestModel::configRoundTrip_data()
{
    addArchitectureRows();
}

void TestModel::configRoundTrip()
{
    QFETCH(QString, kind);
    ModelConfig c = tinyConfig(kind);
    if (kind == "llama-tied")
        c.bosTokenId.reset();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::filesystem::path file = dir.filePath("config.json").toStdString();
    writeConfigFile(c, file);
    const ModelConfig back = readConfigFile(file);
    QVERIFY(back.arch == c.arch);
    QCOMPARE(back.vocabSize, c.vocabSize);
    QCOMPARE(back.hiddenSize, c.hiddenSize);
    QCOMPARE(back.numLayers, c.numLayers);
    QCOMPARE(back.numHeads, c.numHeads);
    QCOMPARE(back.numKeyValueHeads, c.numKeyValueHeads);
    QCOMPARE(back.intermediateSize, c.intermediateSize);
    QCOMPARE(back.maxPositions, c.maxPositions);
    QCOMPARE(back.normEps, c.normEps);
    QCOMPARE(back.tieWordEmbeddings, c.tieWordEmbeddings);
    QVERIFY(back.bosTokenId == c.bosTokenId);
    QVERIFY(back.eosTokenId == c.eosTokenId);
    if (c.arch == Architecture::Llama)
        QCOMPARE(back.ropeTheta, c.ropeTheta);

    // What HF transformers needs to pick the class and dtype.
    const json written = readJson(file);
    QVERIFY(written.at("model_type").get<std::string>() == toString(c.arch));
    QVERIFY(written.at("architectures").at(0).get<std::string>() ==
            (c.arch == Architecture::Gpt2 ? "GPT2LMHeadModel" : "LlamaForCausalLM"));
    QVERIFY(written.at("torch_dtype").get<std::string>() == "float32");
}

void TestModel::configDefaults()
{
    // HF's defaults for absent or null fields.
    const ModelConfig gpt2 = configFromJson(baseHfConfig("gpt2"));
    QCOMPARE(gpt2.intermediateSize, std::int64_t{4 * 32});
    QCOMPARE(gpt2.numKeyValueHeads, std::int64_t{4});
    QVERIFY(gpt2.tieWordEmbeddings);
    const ModelConfig llama = configFromJson(baseHfConfig("llama"));
    QCOMPARE(llama.numKeyValueHeads, std::int64_t{4});
    QCOMPARE(llama.ropeTheta, 10000.0);
    QVERIFY(!llama.tieWordEmbeddings);

    // The golden folders' files, as make_golden.py wrote them by hand.
    const ModelConfig golden = readConfigFile(goldenDir("llama-tiny") / "config.json");
    QCOMPARE(golden.numKeyValueHeads, std::int64_t{2});
    QCOMPARE(golden.ropeTheta, 500000.0);
    QCOMPARE(golden.normEps, 1e-6);
    QCOMPARE(readConfigFile(goldenDir("gpt2-tiny") / "config.json").intermediateSize,
             std::int64_t{128});

    QVERIFY(architectureFromString("llama") == Architecture::Llama);
    QVERIFY(toString(Architecture::Gpt2) == "gpt2");
}

void TestModel::autocastScopeRestoresState()
{
    const auto before = autocastState(torch::kCPU);
    const auto cudaBefore = autocastState(torch::kCUDA);
    QVERIFY(!before.enabled);
    const auto a = torch::randn({4, 4});
    {
        const AutocastScope outer(torch::kCPU, {true, torch::kBFloat16});
        QVERIFY((autocastState(torch::kCPU) == AutocastState{true, torch::kBFloat16}));
        QCOMPARE(torch::mm(a, a).scalar_type(), torch::kBFloat16); // really on
        {
            const AutocastScope inner(torch::kCPU, {false, torch::kBFloat16});
            QVERIFY(!autocastState(torch::kCPU).enabled);
            QCOMPARE(torch::mm(a, a).scalar_type(), torch::kFloat32);
        }
        QVERIFY(autocastState(torch::kCPU).enabled); // the inner scope put the outer's back
        QVERIFY(autocastState(torch::kCUDA) == cudaBefore); // another device type: untouched
    }
    QVERIFY(autocastState(torch::kCPU) == before);
    QCOMPARE(torch::mm(a, a).scalar_type(), torch::kFloat32);

    // Also when the work in the scope throws.
    try {
        const AutocastScope scope(torch::kCPU, {true, torch::kBFloat16});
        throw std::runtime_error("fails inside");
    } catch (const std::runtime_error&) {
    }
    QVERIFY(autocastState(torch::kCPU) == before);

    // From a model: bf16 switches autocast on for its device type, fp32 changes nothing.
    auto model = randomModel("gpt2");
    {
        const AutocastScope scope(*model);
        QVERIFY(!autocastState(torch::kCPU).enabled);
    }
    model->setPrecision(Precision::Bf16);
    QVERIFY(cloneModel(*model)->precision() == Precision::Bf16); // π_ref scores as π_θ does
    {
        const AutocastScope scope(*model);
        QVERIFY((autocastState(torch::kCPU) == AutocastState{true, torch::kBFloat16}));
    }
    QVERIFY(autocastState(torch::kCPU) == before);
    QVERIFY_EXCEPTION_THROWN(AutocastScope(torch::kMeta, {true, torch::kBFloat16}),
                             cpo::Error);
}

void TestModel::bf16ForwardUnderAutocast_data()
{
    addArchitectureRows();
}

void TestModel::bf16ForwardUnderAutocast()
{
    // A training forward of a bf16 model under its scope: the matmuls run in bf16 (the logits
    // come out bf16) while the parameters stay float32, and the logits stay close to fp32's.
    // Tolerance: bf16 keeps 8 significant bits (relative rounding 2^-9 = 0.2 %), each matmul
    // rounds its inputs and the two-layer model's errors add up (its weights are scaled up
    // 10x, so the logits are large), so 3 % of the largest logit; measured 0.9-1.1 %.
    QFETCH(QString, kind);
    const auto ids = torch::randint(0, 64, {2, 9}, torch::kLong);
    auto model = randomModel(kind);
    model->train();
    const auto fp32 = model->forward(ids).logits.detach();
    model->setPrecision(Precision::Bf16);
    torch::Tensor bf16;
    {
        const AutocastScope scope(*model);
        bf16 = model->forward(ids).logits;
    }
    QCOMPARE(bf16.scalar_type(), torch::kBFloat16);
    for (const auto& p : model->parameters())
        QCOMPARE(p.scalar_type(), torch::kFloat32);
    const double scale = fp32.abs().max().item<double>();
    const double difference = maxAbsDiff(bf16.to(torch::kFloat32), fp32);
    qInfo("max |bf16 - fp32| = %.4g (%.2f %% of the largest logit %.3g)", difference,
          100.0 * difference / scale, scale);
    QVERIFY(difference > 0.0); // autocast really ran
    QVERIFY(difference <= 0.03 * scale);
}

void TestModel::activationCheckpointingUnderAutocast_data()
{
    addArchitectureRows();
}

void TestModel::activationCheckpointingUnderAutocast()
{
    // Backward runs after the autocast scope has ended: the recomputed blocks must run in the
    // forward's dtypes all the same, which gives the gradients of the plain bf16 forward.
    QFETCH(QString, kind);
    const auto ids = torch::randint(0, 64, {2, 9}, torch::kLong);
    std::map<std::string, torch::Tensor> grads[2];
    for (const bool checkpointing : {false, true}) {
        const auto model = randomModel(kind);
        model->train();
        model->setPrecision(Precision::Bf16);
        model->setActivationCheckpointing(checkpointing);
        torch::Tensor loss;
        {
            const AutocastScope scope(*model);
            const auto logits = model->forward(ids).logits.to(torch::kFloat32);
            loss = torch::cross_entropy_loss(logits.narrow(1, 0, 8).reshape({-1, 64}),
                                             ids.narrow(1, 1, 8).reshape({-1}));
        }
        QCOMPARE(loss.scalar_type(), torch::kFloat32);
        loss.backward();
        for (const auto& [name, p] : namedParameters(*model)) {
            QVERIFY2(p.grad().defined(), name.c_str());
            QCOMPARE(p.grad().scalar_type(), torch::kFloat32);
            grads[checkpointing][name] = p.grad().clone();
        }
    }
    for (const auto& [name, grad] : grads[0]) {
        const auto difference = maxAbsDiff(grads[1][name], grad);
        QVERIFY2(difference <= 1e-6, qPrintable(QString::fromStdString(name) + " differs by " +
                                                QString::number(difference)));
    }
}

void TestModel::toDeviceOnCpuIsTheTensor()
{
    // On the CPU nothing is pinned or copied: the batch tensor itself, values and all.
    const auto ids = torch::arange(12, torch::kInt64).view({3, 4});
    const auto moved = toDevice(ids, torch::kCPU);
    QVERIFY(moved.is_same(ids));
    QVERIFY(moved.device() == torch::Device(torch::kCPU));
    QVERIFY(torch::equal(moved, torch::arange(12, torch::kInt64).view({3, 4})));
    const auto mask = torch::ones({3, 4}, torch::kFloat32);
    QCOMPARE(toDevice(mask, torch::kCPU).scalar_type(), torch::kFloat32);
}

void TestModel::cudaPeakMemoryIsAbsentOnCpu()
{
    resetCudaPeakMemory(torch::kCPU); // nothing to reset, and no error
    QVERIFY(!cudaPeakMemoryGb(torch::kCPU).has_value());
}

QTEST_MAIN(TestModel)
#include "tst_model.moc"
