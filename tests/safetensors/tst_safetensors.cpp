#include "model/causal_lm.h"
#include "model/hf_folder.h"
#include "model/model_config.h"
#include "model/safetensors.h"
#include "util/error.h"

#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtCore/QtEndian>
#include <QtTest/QtTest>

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

using cpo::model::Architecture;
using cpo::model::CausalLM;
using cpo::model::Metadata;
using cpo::model::ModelConfig;
using cpo::model::TensorMap;

namespace {

std::filesystem::path pathIn(const QTemporaryDir& dir, const QString& name)
{
    return std::filesystem::path(dir.filePath(name).toStdString());
}

QByteArray readBytes(const std::filesystem::path& file)
{
    QFile in(QString::fromStdString(file.string()));
    if (!in.open(QIODevice::ReadOnly))
        return {};
    return in.readAll();
}

void writeBytes(const std::filesystem::path& file, const QByteArray& bytes)
{
    QFile out(QString::fromStdString(file.string()));
    QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(out.write(bytes), bytes.size());
}

// A safetensors file assembled by hand: u64 LE header length, header, data.
QByteArray rawFile(const QByteArray& header, const QByteArray& data = {})
{
    QByteArray bytes(8, '\0');
    qToLittleEndian<quint64>(static_cast<quint64>(header.size()), bytes.data());
    return bytes + header + data;
}

// The cpo::Error that reading `file` throws, or an empty string when it reads fine. Any other
// exception type escapes and fails the test: bad files must give the documented error.
QString readError(const std::filesystem::path& file)
{
    try {
        cpo::model::readSafetensors(file);
    } catch (const cpo::Error& error) {
        return QString::fromUtf8(error.what());
    }
    return {};
}

torch::Tensor sample(torch::IntArrayRef shape, torch::ScalarType dtype)
{
    if (dtype == torch::kBool)
        return torch::randint(0, 2, shape).to(torch::kBool);
    if (dtype == torch::kUInt8)
        return torch::randint(0, 256, shape).to(dtype);
    if (torch::isIntegralType(dtype, /*includeBool=*/false))
        return torch::randint(-100, 100, shape).to(dtype);
    return torch::randn(shape).to(dtype);
}

// Replaces one decimal digit of the header (a shape, an offset) by a random digit.
void changeOneDigit(QByteArray& bytes, std::mt19937& random)
{
    const qsizetype headerEnd = 8 + qFromLittleEndian<quint64>(bytes.constData());
    QList<qsizetype> digits;
    for (qsizetype i = 8; i < headerEnd; ++i)
        if (bytes[i] >= '0' && bytes[i] <= '9')
            digits.append(i);
    const auto pick = std::uniform_int_distribution<qsizetype>(0, digits.size() - 1)(random);
    bytes[digits[pick]] = static_cast<char>('0' + random() % 10);
}

bool sameTensor(const torch::Tensor& a, const torch::Tensor& b)
{
    return a.scalar_type() == b.scalar_type() && a.sizes() == b.sizes() && torch::equal(a, b);
}

// Tiny models: named "gpt2", "llama-tied", "llama-untied" (grouped-query attention).
ModelConfig tinyConfig(const QString& name)
{
    ModelConfig config;
    config.arch = name == "gpt2" ? Architecture::Gpt2 : Architecture::Llama;
    config.vocabSize = 40;
    config.hiddenSize = 16;
    config.numLayers = 2;
    config.numHeads = 4;
    config.numKeyValueHeads = name == "gpt2" ? 4 : 2;
    config.intermediateSize = 24;
    config.maxPositions = 32;
    config.tieWordEmbeddings = name != "llama-untied";
    return config;
}

CausalLM savedTinyModel(const QString& name, const std::filesystem::path& folder)
{
    torch::manual_seed(42);
    CausalLM model = cpo::model::createModel(tinyConfig(name));
    cpo::model::saveHfModel(*model, folder);
    return model;
}

// Every parameter equal in name, shape, dtype and value.
void compareParameters(const cpo::model::CausalLMImpl& actual,
                       const cpo::model::CausalLMImpl& expected)
{
    const auto got = cpo::model::namedParameters(actual);
    const auto want = cpo::model::namedParameters(expected);
    QCOMPARE(got.size(), want.size());
    for (const auto& [name, tensor] : want) {
        QVERIFY2(got.contains(name), name.c_str());
        QVERIFY2(sameTensor(got.at(name), tensor), name.c_str());
    }
}

void editWeights(const std::filesystem::path& folder, const std::function<void(TensorMap&)>& edit)
{
    const auto file = folder / "model.safetensors";
    TensorMap tensors = cpo::model::readSafetensors(file);
    edit(tensors);
    cpo::model::writeSafetensors(tensors, file);
}

// The file layout of HF's own `gpt2` checkpoint: no `transformer.` prefix, the causal-mask
// buffers `attn.bias` / `attn.masked_bias` stored, the tied `lm_head.weight` stored too.
TensorMap hfOriginalGpt2Layout(const TensorMap& ours, const ModelConfig& config)
{
    TensorMap tensors;
    const std::string prefix = "transformer.";
    for (const auto& [name, tensor] : ours)
        tensors.emplace(name.substr(prefix.size()), tensor);
    const auto n = config.maxPositions;
    for (std::int64_t layer = 0; layer < config.numLayers; ++layer) {
        const std::string block = "h." + std::to_string(layer) + ".attn.";
        tensors.emplace(block + "bias", torch::ones({n, n}).tril().view({1, 1, n, n}));
        tensors.emplace(block + "masked_bias", torch::tensor(-1e4F));
    }
    tensors.emplace("lm_head.weight", ours.at("transformer.wte.weight"));
    return tensors;
}

void writeJson(const std::filesystem::path& file, const nlohmann::json& json)
{
    std::ofstream(file) << json.dump(2);
}

std::string shardName(int shard)
{
    return "model-0000" + std::to_string(shard + 1) + "-of-00002.safetensors";
}

// Splits the folder's model.safetensors into two shards plus an index, as HF does for
// large models; `extraIndexEntries` are added to the index's weight_map.
void shardFolder(const std::filesystem::path& folder, const nlohmann::json& extraIndexEntries)
{
    const TensorMap all = cpo::model::readSafetensors(folder / "model.safetensors");
    std::filesystem::remove(folder / "model.safetensors");
    TensorMap shards[2];
    nlohmann::json weightMap = extraIndexEntries;
    int i = 0;
    for (const auto& [name, tensor] : all) {
        const int shard = i++ % 2;
        shards[shard].emplace(name, tensor);
        weightMap[name] = shardName(shard);
    }
    for (int shard = 0; shard < 2; ++shard)
        cpo::model::writeSafetensors(shards[shard], folder / shardName(shard));
    writeJson(folder / "model.safetensors.index.json",
              {{"metadata", {{"total_size", 0}}}, {"weight_map", weightMap}});
}

} // namespace

class TestSafetensors : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { torch::manual_seed(1234); }

    void roundTrip_data();
    void roundTrip();
    void metadataRoundTrip();
    void writtenBytesAreDeterministic();
    void writesHfLayout();
    void replacesFileWithoutLeftovers();
    void rejectsUnsupportedDtype();
    void emptyFileOfNoTensors();
    void corruptFile_data();
    void corruptFile();
    void randomCorruptionGivesErrors();

    void hfRoundTrip_data();
    void hfRoundTrip();
    void hfGpt2OwnLayoutLoadsIdentically();
    void hfConvertsDtypeOnLoad();
    void hfShardedFolder();
    void hfFolderErrors_data();
    void hfFolderErrors();
};

void TestSafetensors::roundTrip_data()
{
    QTest::addColumn<int>("dtype");
    for (const auto dtype : {torch::kFloat32, torch::kFloat16, torch::kBFloat16, torch::kFloat64,
                             torch::kInt64, torch::kInt32, torch::kInt16, torch::kInt8,
                             torch::kUInt8, torch::kBool})
        QTest::newRow(c10::toString(dtype)) << static_cast<int>(dtype);
}

void TestSafetensors::roundTrip()
{
    QFETCH(int, dtype);
    const auto type = static_cast<torch::ScalarType>(dtype);
    const torch::Tensor matrix = sample({3, 5}, type);
    const TensorMap tensors{
        {"matrix", matrix},
        {"transposed", matrix.t()}, // not contiguous: the writer must copy it
        {"scalar", sample({}, type)},
        {"empty", sample({0, 4}, type)},
        {"layers.0.vector", sample({7}, type)},
    };
    QTemporaryDir dir;
    const auto file = pathIn(dir, "t.safetensors");
    cpo::model::writeSafetensors(tensors, file);

    const TensorMap back = cpo::model::readSafetensors(file);
    QCOMPARE(back.size(), tensors.size());
    for (const auto& [name, tensor] : tensors) {
        QVERIFY2(back.contains(name), name.c_str());
        QVERIFY2(sameTensor(back.at(name), tensor), name.c_str());
        QVERIFY(back.at(name).device().is_cpu());
    }
    QCOMPARE(back.at("scalar").dim(), 0);
}

void TestSafetensors::metadataRoundTrip()
{
    QTemporaryDir dir;
    const auto file = pathIn(dir, "m.safetensors");
    const Metadata metadata{{"format", "pt"}, {"note", "ünïcode \"quoted\""}, {"step", "12"}};
    cpo::model::writeSafetensors({{"w", torch::ones({2})}}, file, metadata);
    QCOMPARE(cpo::model::readSafetensorsMetadata(file), metadata);

    cpo::model::writeSafetensors({{"w", torch::ones({2})}}, file, {});
    QVERIFY(cpo::model::readSafetensorsMetadata(file).empty());
    QVERIFY(!readBytes(file).contains("__metadata__"));
}

void TestSafetensors::writtenBytesAreDeterministic()
{
    const TensorMap tensors{{"b", torch::randn({4, 3})}, {"a", torch::arange(10)},
                            {"c", torch::randn({2}).to(torch::kBFloat16)}};
    QTemporaryDir dir;
    const auto first = pathIn(dir, "1.safetensors");
    const auto second = pathIn(dir, "2.safetensors");
    cpo::model::writeSafetensors(tensors, first);
    cpo::model::writeSafetensors(tensors, second);
    QCOMPARE(readBytes(first), readBytes(second));
}

// Golden bytes worked out by hand from the format: sorted header, offsets in name order,
// header padded with spaces so the data starts 8-byte aligned, {"format":"pt"} metadata.
void TestSafetensors::writesHfLayout()
{
    QTemporaryDir dir;
    const auto file = pathIn(dir, "g.safetensors");
    const TensorMap tensors{{"b", torch::tensor({1.0F, -2.0F})},
                            {"a", torch::tensor({std::int16_t{7}})}};
    cpo::model::writeSafetensors(tensors, file);

    QByteArray header = R"({"__metadata__":{"format":"pt"},)"
                        R"("a":{"data_offsets":[0,2],"dtype":"I16","shape":[1]},)"
                        R"("b":{"data_offsets":[2,10],"dtype":"F32","shape":[2]}})";
    header.append((8 - header.size() % 8) % 8, ' ');
    QByteArray data;
    const std::int16_t seven = 7;
    const float values[] = {1.0F, -2.0F};
    data.append(reinterpret_cast<const char*>(&seven), sizeof seven);
    data.append(reinterpret_cast<const char*>(values), sizeof values);
    QCOMPARE(readBytes(file), rawFile(header, data));
}

void TestSafetensors::replacesFileWithoutLeftovers()
{
    QTemporaryDir dir;
    const auto file = pathIn(dir, "r.safetensors");
    cpo::model::writeSafetensors({{"w", torch::zeros({100})}}, file);
    cpo::model::writeSafetensors({{"w", torch::ones({3})}}, file);
    QVERIFY(sameTensor(cpo::model::readSafetensors(file).at("w"), torch::ones({3})));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"r.safetensors"});
}

void TestSafetensors::rejectsUnsupportedDtype()
{
    QTemporaryDir dir;
    const auto file = pathIn(dir, "c.safetensors");
    try {
        cpo::model::writeSafetensors({{"z", torch::zeros({2}, torch::kComplexFloat)}}, file);
        QFAIL("writing a complex tensor should fail");
    } catch (const cpo::Error& error) {
        QVERIFY2(QByteArray(error.what()).contains("'z'"), error.what());
    }
    QVERIFY(!std::filesystem::exists(file));
}

void TestSafetensors::emptyFileOfNoTensors()
{
    QTemporaryDir dir;
    const auto file = pathIn(dir, "e.safetensors");
    cpo::model::writeSafetensors({}, file);
    QVERIFY(cpo::model::readSafetensors(file).empty());
}

void TestSafetensors::corruptFile_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QStringList>("mentions");

    const QByteArray f32x4 = R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
    QTest::newRow("truncated") << rawFile(f32x4, QByteArray(8, '\1'))
                               << QStringList{"'w'", "truncated", "expected at least", "actual"};
    QTest::newRow("offsets beyond data")
        << rawFile(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[100,104]}})",
                   QByteArray(4, '\1'))
        << QStringList{"'w'", "104", "only 4 bytes"};
    QByteArray tooLong = rawFile(f32x4, QByteArray(16, '\1'));
    qToLittleEndian<quint64>(1000, tooLong.data());
    QTest::newRow("header length > file")
        << tooLong << QStringList{"header length 1000 exceeds file size 79"};
    QByteArray huge = rawFile("{}");
    qToLittleEndian<quint64>(~quint64{0}, huge.data());
    QTest::newRow("header length u64 max") << huge << QStringList{"exceeds file size"};
    QTest::newRow("shorter than 8 bytes") << QByteArray("\x02\0\0", 3)
                                          << QStringList{"3 bytes", "too short"};
    QTest::newRow("empty file") << QByteArray() << QStringList{"0 bytes", "too short"};
    QTest::newRow("bad JSON") << rawFile(R"({"w": {"dtype": )") << QStringList{"not valid JSON"};
    QTest::newRow("bad UTF-8") << rawFile("{\"\xff\":{}}") << QStringList{"not valid JSON"};
    QTest::newRow("JSON not an object") << rawFile("[1, 2]")
                                        << QStringList{"JSON object", "array"};
    QTest::newRow("wrong span")
        << rawFile(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}})",
                   QByteArray(16, '\1'))
        << QStringList{"'w'", "[2, 3]", "needs 24 bytes", "span 16"};
    QTest::newRow("overlapping offsets")
        << rawFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                   R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                   QByteArray(12, '\1'))
        << QStringList{"'b'", "overlap", "'a'"};
    QTest::newRow("gap between tensors")
        << rawFile(R"({"a":{"dtype":"I8","shape":[2],"data_offsets":[0,2]},)"
                   R"("b":{"dtype":"I8","shape":[2],"data_offsets":[4,6]}})",
                   QByteArray(6, '\1'))
        << QStringList{"2..4", "no tensor"};
    QTest::newRow("trailing data")
        << rawFile(R"({"a":{"dtype":"I8","shape":[2],"data_offsets":[0,2]}})",
                   QByteArray(6, '\1'))
        << QStringList{"6 bytes", "cover only 2"};
    QTest::newRow("unknown dtype")
        << rawFile(R"({"w":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})",
                   QByteArray(1, '\1'))
        << QStringList{"'w'", "unknown dtype 'F8_E4M3'"};
    QTest::newRow("shape overflow")
        << rawFile(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],)"
                   R"("data_offsets":[0,0]}})")
        << QStringList{"'w'", "overflows"};
    QTest::newRow("empty shape overflow")
        << rawFile(R"({"w":{"dtype":"F32","shape":[4611686018427387904,4,0],)"
                   R"("data_offsets":[0,0]}})")
        << QStringList{"'w'", "overflows"};
    QTest::newRow("dimension beyond int64")
        << rawFile(R"({"w":{"dtype":"U8","shape":[18446744073709551615],)"
                   R"("data_offsets":[0,0]}})")
        << QStringList{"'w'", "too large"};
    QTest::newRow("negative dimension")
        << rawFile(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}})")
        << QStringList{"'w'", "non-negative"};
    QTest::newRow("fractional dimension")
        << rawFile(R"({"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,6]}})",
                   QByteArray(6, '\1'))
        << QStringList{"'w'", "non-negative integers"};
    QTest::newRow("offsets reversed")
        << rawFile(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})",
                   QByteArray(8, '\1'))
        << QStringList{"'w'", "begin 8 is after end 4"};
    QTest::newRow("offsets not a pair")
        << rawFile(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})",
                   QByteArray(4, '\1'))
        << QStringList{"'w'", "data_offsets"};
    QTest::newRow("entry not an object") << rawFile(R"({"w": 3})") << QStringList{"'w'"};
    QTest::newRow("metadata not strings")
        << rawFile(R"({"__metadata__":{"step":12}})") << QStringList{"__metadata__", "step"};
}

void TestSafetensors::corruptFile()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QStringList, mentions);
    QTemporaryDir dir;
    const auto file = pathIn(dir, "bad.safetensors");
    writeBytes(file, bytes);

    const QString message = readError(file);
    QVERIFY2(!message.isEmpty(), "a corrupt file was read without error");
    QVERIFY2(message.startsWith(QString::fromStdString(file.string()) + ": "),
             qPrintable(message));
    for (const QString& mention : mentions)
        QVERIFY2(message.contains(mention), qPrintable(message + " lacks: " + mention));
}

// Flipped bytes and cut-off tails anywhere in a valid file must give cpo::Error or a valid
// read, never a crash or another exception type.
void TestSafetensors::randomCorruptionGivesErrors()
{
    QTemporaryDir dir;
    const auto good = pathIn(dir, "good.safetensors");
    cpo::model::writeSafetensors({{"a", torch::randn({3, 2})},
                                  {"b", torch::arange(4)},
                                  {"c", torch::zeros({0})}},
                                 good);
    const QByteArray original = readBytes(good);
    const auto file = pathIn(dir, "fuzz.safetensors");
    std::mt19937 random(7);
    std::uniform_int_distribution<qsizetype> position(0, original.size() - 1);
    for (int round = 0; round < 3000; ++round) {
        QByteArray bytes = original;
        if (round % 4 == 0) {
            bytes.truncate(position(random));
        } else if (round % 4 == 1) { // keeps the JSON valid, so the checks behind it run
            changeOneDigit(bytes, random);
        } else {
            for (int flips = 1 + round % 3; flips > 0; --flips)
                bytes[position(random)] = static_cast<char>(random());
        }
        writeBytes(file, bytes);
        readError(file);
    }
}

void TestSafetensors::hfRoundTrip_data()
{
    QTest::addColumn<QString>("model");
    for (const char* name : {"gpt2", "llama-tied", "llama-untied"})
        QTest::newRow(name) << QString(name);
}

void TestSafetensors::hfRoundTrip()
{
    QFETCH(QString, model);
    QTemporaryDir dir;
    const auto folder = pathIn(dir, "model");
    const CausalLM saved = savedTinyModel(model, folder);
    const CausalLM loaded = cpo::model::loadHfModel(folder);
    compareParameters(*loaded, *saved);
    QVERIFY(cpo::model::configToJson(loaded->config())
            == cpo::model::configToJson(saved->config()));

    // HF's key layout: GPT-2 under `transformer.`, a tied head stored once.
    const TensorMap file = cpo::model::readSafetensors(folder / "model.safetensors");
    QCOMPARE(file.contains("lm_head.weight"), !saved->lmHeadTied());
    if (model == "gpt2")
        QVERIFY(file.contains("transformer.h.1.attn.c_attn.weight"));
    else
        QVERIFY(file.contains("model.layers.1.self_attn.q_proj.weight"));
    QCOMPARE(cpo::model::readSafetensorsMetadata(folder / "model.safetensors"),
             (Metadata{{"format", "pt"}}));

    torch::NoGradGuard noGrad;
    saved->eval();
    loaded->eval();
    const auto ids = torch::randint(0, 40, {2, 7});
    QVERIFY(torch::equal(loaded->forward(ids).logits, saved->forward(ids).logits));
}

// "A model written by cpo init-model and one in HF's own layout load identically."
void TestSafetensors::hfGpt2OwnLayoutLoadsIdentically()
{
    QTemporaryDir dir;
    const auto ours = pathIn(dir, "ours");
    const auto theirs = pathIn(dir, "theirs");
    const CausalLM saved = savedTinyModel("gpt2", ours);
    std::filesystem::create_directories(theirs);
    std::filesystem::copy_file(ours / "config.json", theirs / "config.json");
    cpo::model::writeSafetensors(
        hfOriginalGpt2Layout(cpo::model::readSafetensors(ours / "model.safetensors"),
                             saved->config()),
        theirs / "model.safetensors");

    compareParameters(*cpo::model::loadHfModel(theirs), *cpo::model::loadHfModel(ours));
}

void TestSafetensors::hfConvertsDtypeOnLoad()
{
    QTemporaryDir dir;
    const auto folder = pathIn(dir, "bf16");
    const CausalLM saved = savedTinyModel("llama-untied", folder);
    editWeights(folder, [](TensorMap& tensors) {
        for (auto& [name, tensor] : tensors)
            tensor = tensor.to(torch::kBFloat16);
    });
    const CausalLM loaded = cpo::model::loadHfModel(folder);
    const auto want = cpo::model::namedParameters(*saved);
    for (const auto& [name, tensor] : cpo::model::namedParameters(*loaded)) {
        QCOMPARE(tensor.scalar_type(), torch::kFloat32);
        QVERIFY2(torch::equal(tensor, want.at(name).to(torch::kBFloat16).to(torch::kFloat32)),
                 name.c_str());
    }
}

void TestSafetensors::hfShardedFolder()
{
    QTemporaryDir dir;
    const auto folder = pathIn(dir, "sharded");
    const CausalLM saved = savedTinyModel("llama-untied", folder);
    shardFolder(folder, nlohmann::json::object());
    QVERIFY(!std::filesystem::exists(folder / "model.safetensors"));
    compareParameters(*cpo::model::loadHfModel(folder), *saved);
}

void TestSafetensors::hfFolderErrors_data()
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("damage");
    QTest::addColumn<QStringList>("mentions");

    QTest::newRow("missing tensor") << "gpt2" << "drop transformer.h.1.mlp.c_fc.weight"
        << QStringList{"missing tensors", "transformer.h.1.mlp.c_fc.weight"};
    QTest::newRow("missing untied head") << "llama-untied" << "drop lm_head.weight"
        << QStringList{"missing tensors", "lm_head.weight"};
    QTest::newRow("unexpected tensor") << "gpt2" << "add transformer.h.7.attn.c_attn.weight"
        << QStringList{"unexpected tensor", "'transformer.h.7.attn.c_attn.weight'"};
    QTest::newRow("unexpected llama tensor") << "llama-tied" << "add model.layers.0.extra"
        << QStringList{"unexpected tensor", "'model.layers.0.extra'"};
    QTest::newRow("shape mismatch") << "gpt2" << "reshape transformer.wpe.weight"
        << QStringList{"'transformer.wpe.weight'", "shape [16, 16]", "[32, 16]"};
    QTest::newRow("integer weights") << "llama-tied" << "integer model.norm.weight"
        << QStringList{"'model.norm.weight'", "Long", "floating-point"};
    QTest::newRow("tensor twice") << "gpt2" << "add wte.weight"
        << QStringList{"'wte.weight'", "twice"};
    QTest::newRow("tied head differs") << "llama-tied" << "add lm_head.weight"
        << QStringList{"lm_head.weight", "differs", "model.embed_tokens.weight"};
    QTest::newRow("pytorch_model.bin only") << "gpt2" << "bin only"
        << QStringList{"pytorch_model.bin", "only safetensors", "safe_serialization=True"};
    QTest::newRow("no weights") << "gpt2" << "no weights"
        << QStringList{"no model.safetensors"};
    QTest::newRow("index lists absent tensor") << "gpt2" << "index lists ghost"
        << QStringList{"index lists tensor 'ghost'"};
    QTest::newRow("index shard outside folder") << "gpt2" << "index escapes"
        << QStringList{"'../x.safetensors'", "not a file name"};
    QTest::newRow("not a folder") << "gpt2" << "folder is a file" << QStringList{"not a folder"};
}

void TestSafetensors::hfFolderErrors()
{
    QFETCH(QString, model);
    QFETCH(QString, damage);
    QFETCH(QStringList, mentions);
    QTemporaryDir dir;
    const auto folder = pathIn(dir, "model");
    savedTinyModel(model, folder);

    const std::string name = damage.section(' ', 1).toStdString();
    if (damage.startsWith("drop ")) {
        editWeights(folder, [&](TensorMap& tensors) { QVERIFY(tensors.erase(name) == 1); });
    } else if (damage.startsWith("add ")) {
        editWeights(folder, [&](TensorMap& tensors) { tensors[name] = torch::randn({40, 16}); });
    } else if (damage.startsWith("reshape ")) {
        editWeights(folder, [&](TensorMap& tensors) { tensors[name] = torch::zeros({16, 16}); });
    } else if (damage.startsWith("integer ")) {
        editWeights(folder, [&](TensorMap& tensors) {
            tensors[name] = torch::ones({16}, torch::kInt64);
        });
    } else if (damage == "bin only" || damage == "no weights") {
        std::filesystem::remove(folder / "model.safetensors");
        if (damage == "bin only")
            writeBytes(folder / "pytorch_model.bin", "PK");
    } else if (damage == "index lists ghost") {
        shardFolder(folder, {{"ghost", shardName(0)}});
    } else if (damage == "index escapes") {
        shardFolder(folder, {{"x", "../x.safetensors"}});
    } else if (damage == "folder is a file") {
        std::filesystem::remove_all(folder);
        writeBytes(folder, "x");
    }

    try {
        cpo::model::loadHfModel(folder);
        QFAIL("a damaged folder loaded without error");
    } catch (const cpo::Error& error) {
        const QString message = QString::fromUtf8(error.what());
        QVERIFY2(message.contains(QString::fromStdString(folder.string())), error.what());
        for (const QString& mention : mentions)
            QVERIFY2(message.contains(mention), qPrintable(message + " lacks: " + mention));
    }
}

QTEST_MAIN(TestSafetensors)
#include "tst_safetensors.moc"
