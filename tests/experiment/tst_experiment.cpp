#include "engine/experiment.h"
#include "oracle/oracle_options.h"
#include "test_env.h"
#include "util/config_reader.h"
#include "util/error.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QStringList>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using namespace cpo::engine;
using cpo::ConfigError;
using cpo::ConfigIssue;
using cpo::closestKey;
using nlohmann::json;

namespace {

// A small valid experiment every bad-field case starts from and breaks in one place.
constexpr char kBase[] = R"({
  // a line comment
  "name": "base", /* a block comment */
  "model": {"init": {"arch": "gpt2", "hidden_size": 48, "num_layers": 2, "num_heads": 4}},
  "dataset": {"kind": "oracle"},
  "mle": {"steps": 100},
  "cpo": {}
})";

json base()
{
    return parseJsonWithComments(kBase, "base.json");
}

// The issues parseExperiment() reports (none when it accepts the config), and its message.
struct Outcome {
    std::vector<ConfigIssue> issues;
    QString message;
};

Outcome validate(const json& document)
{
    try {
        parseExperiment(document, "base.json");
    } catch (const ConfigError& e) {
        return {e.issues(), QString::fromStdString(e.what())};
    }
    return {};
}

QString describe(const std::vector<ConfigIssue>& issues)
{
    QStringList lines;
    for (const auto& issue : issues)
        lines << QString::fromStdString(issue.path + ": " + issue.message);
    return lines.join('\n');
}

} // namespace

class TestExperiment : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void commentsAccepted();
    void syntaxErrorNamesFileAndLine();
    void defaultsFilled();
    void llamaDefaults();
    void badField_data();
    void badField();
    void severalErrorsReportedTogether();
    void crossChecksAfterFieldChecks();
    void noPhase();
    void suggestions();
    void canonicalRoundTrip();
    void hashStable();
    void overrides();
    void badOverrides();
    void loadWithOverrides();
    void shippedExperimentsValidate();
    void oracleOptionsOneCodec();
};

void TestExperiment::commentsAccepted()
{
    const auto config = parseExperiment(base(), "base.json");
    QCOMPARE(config.name, std::string("base"));
    QVERIFY(config.model.init.has_value());
}

void TestExperiment::syntaxErrorNamesFileAndLine()
{
    try {
        parseJsonWithComments("{\n  \"name\": \"x\",\n  \"seed\": ,\n}", "broken.json");
        QFAIL("a syntax error was accepted");
    } catch (const cpo::Error& e) {
        const QString message = e.what();
        QVERIFY2(message.startsWith("broken.json: not valid JSON"), qPrintable(message));
        QVERIFY2(message.contains("line 3"), qPrintable(message));
        QVERIFY2(!message.contains("[json.exception"), qPrintable(message));
    }
}

void TestExperiment::defaultsFilled()
{
    const auto config = parseExperiment(base(), "base.json");
    QCOMPARE(config.seed, std::uint64_t(1));
    QCOMPARE(config.device, std::string("auto"));
    QCOMPARE(config.threads, std::int64_t(0));
    QVERIFY(config.precision == cpo::model::Precision::Fp32);
    QVERIFY(!config.tokenizer);
    QCOMPARE(config.outputDir, std::string());

    const auto& init = *config.model.init;
    QCOMPARE(init.numKeyValueHeads, std::int64_t(4));
    QCOMPARE(init.intermediateSize, std::int64_t(4 * 48));
    QCOMPARE(init.maxPositions, std::int64_t(512));
    QVERIFY(init.tieWordEmbeddings);

    // data::OracleOptions' defaults (oracle/oracle_options.h), which OracleSpec is.
    QVERIFY(config.dataset.kind == DatasetKind::Oracle);
    QCOMPARE(config.dataset.oracle.seed, std::uint64_t(7));
    QCOMPARE(config.dataset.oracle.symbols, std::int64_t(128));
    QCOMPARE(config.dataset.oracle.prefixTokens, std::int64_t(16));
    QCOMPARE(config.dataset.oracle.continuationTokens, std::int64_t(24));
    QCOMPARE(config.dataset.oracle.teacherInitStd, 0.7);
    QCOMPARE(config.dataset.oracle.trainExamples, std::int64_t(20000));
    QCOMPARE(config.dataset.maxPrefixTokens, std::int64_t(256));
    QCOMPARE(config.dataset.splits.validation, 0.05);

    const cpo::train::MleOptions mle;
    QCOMPARE(config.mle->steps, std::int64_t(100));
    QCOMPARE(config.mle->batchSize, mle.batchSize);
    QCOMPARE(config.mle->optimizer.lr, mle.optimizer.lr);
    QCOMPARE(config.mle->optimizer.schedule, cpo::train::LrSchedule::Cosine);

    const auto& cpo = *config.cpo;
    QCOMPARE(cpo.steps, std::int64_t(300));
    QCOMPARE(cpo.batchSize, std::int64_t(8));
    QCOMPARE(cpo.optimizer.lr, 1e-4);
    QCOMPARE(cpo.optimizer.warmupSteps, std::int64_t(0));
    QCOMPARE(cpo.optimizer.schedule, cpo::train::LrSchedule::Constant);
    QCOMPARE(cpo.optimizer.weightDecay, mle.optimizer.weightDecay);
    QCOMPARE(cpo.k, std::int64_t(4));
    QCOMPARE(cpo.beta, 5.0);
    QCOMPARE(cpo.lambdaMle, 0.0);
    QVERIFY(cpo.sampler.kind == SamplerKind::Mix);
    QCOMPARE(cpo.sampler.mixWeights[0], cpo.sampler.mixWeights[3]);
    QCOMPARE(cpo.sampler.mnFraction, 0.25);
    QCOMPARE(cpo.sampler.an.sampling.topP, 1.0);
    QVERIFY(!cpo.ranking);
    QCOMPARE(cpo.embeddingModel, std::string());
    QCOMPARE(cpo.samplesEvery, std::int64_t(50));
    QCOMPARE(cpo.checkpointEvery, std::int64_t(100));
}

void TestExperiment::llamaDefaults()
{
    auto document = base();
    applyOverride(document, "model.init.arch=llama");
    applyOverride(document, "model.init.hidden_size=64");
    const auto init = *parseExperiment(document, "base.json").model.init;
    QVERIFY(init.arch == cpo::model::Architecture::Llama);
    QCOMPARE(init.intermediateSize, std::int64_t(176)); // 8/3 * 64 = 170.7, up to a multiple of 8
    QCOMPARE(init.ropeTheta, 10000.0);
    QVERIFY(!init.tieWordEmbeddings);
}

void TestExperiment::badField_data()
{
    QTest::addColumn<QStringList>("assignments"); // applied to kBase with applyOverride
    QTest::addColumn<QString>("path");
    QTest::addColumn<QStringList>("expected"); // parts of the message: value, what is allowed

    // Unknown keys.
    QTest::newRow("typo suggests") << QStringList{"mle.lrr=0.1"} << "mle.lrr"
                                   << QStringList{"unknown key", "did you mean 'lr'?"};
    QTest::newRow("top-level typo") << QStringList{"sed=5"} << "sed"
                                    << QStringList{"did you mean 'seed'?"};
    QTest::newRow("camelCase key") << QStringList{"mle.batchSize=8"} << "mle.batchSize"
                                   << QStringList{"did you mean 'batch_size'?"};
    QTest::newRow("unknown, nothing close")
        << QStringList{"mle.zzzzzzzz=1"} << "mle.zzzzzzzz"
        << QStringList{"unknown key", "allowed here:", "steps", "batch_size"};
    // Wrong types.
    QTest::newRow("string for integer") << QStringList{"mle.steps=\"many\""} << "mle.steps"
                                        << QStringList{"expected an integer", "\"many\""};
    QTest::newRow("fraction for integer") << QStringList{"cpo.k=2.5"} << "cpo.k"
                                          << QStringList{"expected an integer", "2.5"};
    QTest::newRow("string for number") << QStringList{"cpo.beta=high"} << "cpo.beta"
                                       << QStringList{"expected a number", "\"high\""};
    QTest::newRow("number for bool") << QStringList{"cpo.ranking=1"} << "cpo.ranking"
                                     << QStringList{"expected true or false", "1"};
    QTest::newRow("checkpointing not a bool")
        << QStringList{"model.activation_checkpointing=\"yes\""}
        << "model.activation_checkpointing" << QStringList{"expected true or false"};
    QTest::newRow("number for string") << QStringList{"name=5"} << "name"
                                       << QStringList{"expected a string", "5"};
    QTest::newRow("number for object") << QStringList{"mle=5"} << "mle"
                                       << QStringList{"expected an object", "5"};
    QTest::newRow("negative seed") << QStringList{"seed=-1"} << "seed"
                                   << QStringList{"expected an integer >= 0", "-1"};
    // Out of range.
    QTest::newRow("lr not positive") << QStringList{"mle.lr=-0.001"} << "mle.lr"
                                     << QStringList{"-0.001", "out of range", "in (0, 1]"};
    QTest::newRow("k below 2") << QStringList{"cpo.k=1"} << "cpo.k"
                               << QStringList{"1 is out of range", "in [2, 1024]"};
    QTest::newRow("beta zero") << QStringList{"cpo.beta=0"} << "cpo.beta"
                               << QStringList{"0 is out of range", "> 0"};
    QTest::newRow("mn_fraction zero") << QStringList{"cpo.mn_fraction=0"} << "cpo.mn_fraction"
                                      << QStringList{"0 is out of range", "in (0, 1]"};
    QTest::newRow("top_p above 1") << QStringList{"cpo.an.top_p=1.5"} << "cpo.an.top_p"
                                   << QStringList{"1.5", "in (0, 1]"};
    QTest::newRow("split too large") << QStringList{"dataset.splits.test=0.6"}
                                     << "dataset.splits.test"
                                     << QStringList{"0.6", "in [0, 0.5]"};
    QTest::newRow("negative threads") << QStringList{"threads=-2"} << "threads"
                                      << QStringList{"-2", "in [0, 4096]"};
    QTest::newRow("warmup beyond steps")
        << QStringList{"mle.warmup_steps=200"} << "mle.warmup_steps"
        << QStringList{"200", "exceeds mle.steps (100)", "<= steps"};
    QTest::newRow("empty name") << QStringList{"name=\"\""} << "name"
                                << QStringList{"must not be empty"};
    // Enums.
    QTest::newRow("sampler") << QStringList{"cpo.sampler=xn"} << "cpo.sampler"
                             << QStringList{"\"xn\"", "\"an\", \"bn\", \"mn\", \"tn\", \"mix\""};
    QTest::newRow("schedule") << QStringList{"mle.schedule=step"} << "mle.schedule"
                              << QStringList{"\"step\"", "\"constant\", \"linear\", \"cosine\""};
    QTest::newRow("architecture") << QStringList{"model.init.arch=bert"} << "model.init.arch"
                                  << QStringList{"\"bert\"", "\"gpt2\", \"llama\""};
    QTest::newRow("dataset kind") << QStringList{"dataset.kind=csv"} << "dataset.kind"
                                  << QStringList{"\"csv\"", "\"oracle\"", "\"text_corpus\""};
    QTest::newRow("device") << QStringList{"device=gpu"} << "device"
                            << QStringList{"\"gpu\"", "\"cuda:N\""};
    QTest::newRow("precision") << QStringList{"precision=fp16"} << "precision"
                               << QStringList{"\"fp16\"", "\"fp32\", \"bf16\""};
    QTest::newRow("field preset") << QStringList{"dataset.kind=instruction_jsonl",
                                                 "dataset.instruction_jsonl.path=d.jsonl",
                                                 "dataset.instruction_jsonl.fields=sharegpt",
                                                 "tokenizer.path=t.model"}
                                  << "dataset.instruction_jsonl.fields"
                                  << QStringList{"\"sharegpt\"", "\"alpaca\""};
    // Missing or exclusive parts.
    QTest::newRow("missing kind") << QStringList{"dataset={}"} << "dataset.kind"
                                  << QStringList{"missing", "\"oracle\""};
    QTest::newRow("model path and init") << QStringList{"model.path=/models/gpt2"} << "model"
                                         << QStringList{"mutually exclusive"};
    QTest::newRow("model neither") << QStringList{"model={}"} << "model"
                                   << QStringList{"\"path\"", "\"init\""};
    QTest::newRow("missing hidden size") << QStringList{"model.init={\"arch\":\"gpt2\","
                                                        "\"num_layers\":2,\"num_heads\":4}"}
                                         << "model.init.hidden_size"
                                         << QStringList{"missing", "integer"};
    QTest::newRow("other kind's sub-object")
        << QStringList{"dataset.text_corpus={\"path\":\"c.txt\"}"} << "dataset.text_corpus"
        << QStringList{"given but kind is \"oracle\""};
    QTest::newRow("corpus without path") << QStringList{"dataset.kind=text_corpus",
                                                        "tokenizer.path=t.model"}
                                         << "dataset.text_corpus"
                                         << QStringList{"missing", "path"};
    QTest::newRow("mix weights without mix")
        << QStringList{"cpo.sampler=an", "cpo.mix_weights={\"an\":1}"} << "cpo.mix_weights"
        << QStringList{"sampler is \"an\"", "only apply to sampler \"mix\""};
    QTest::newRow("stratified without mix")
        << QStringList{"cpo.sampler=bn", "cpo.mix_stratified=true"} << "cpo.mix_stratified"
        << QStringList{"sampler is \"bn\"", "only applies to sampler \"mix\""};
    QTest::newRow("mix weights all zero")
        << QStringList{"cpo.mix_weights={\"an\":0,\"bn\":0,\"mn\":0,\"tn\":0}"}
        << "cpo.mix_weights" << QStringList{"at least one must be > 0"};
    QTest::newRow("rope_theta on gpt2") << QStringList{"model.init.rope_theta=5e5"}
                                        << "model.init.rope_theta"
                                        << QStringList{"only applies to arch \"llama\""};
    QTest::newRow("template without placeholder")
        << QStringList{"dataset.kind=instruction_jsonl", "dataset.instruction_jsonl.path=d",
                       "dataset.instruction_jsonl.template=Q: {instruction}\nA:",
                       "tokenizer.path=t.model"}
        << "dataset.instruction_jsonl.template" << QStringList{"{context}"};
    // Checks across fields and sections.
    QTest::newRow("heads divide hidden") << QStringList{"model.init.num_heads=5"}
                                         << "model.init.num_heads"
                                         << QStringList{"5 does not divide hidden_size 48"};
    QTest::newRow("kv heads divide heads")
        << QStringList{"model.init.arch=llama", "model.init.num_kv_heads=3"}
        << "model.init.num_kv_heads" << QStringList{"3 does not divide num_heads 4"};
    QTest::newRow("gpt2 kv heads") << QStringList{"model.init.num_kv_heads=2"}
                                   << "model.init.num_kv_heads"
                                   << QStringList{"no grouped-query attention"};
    QTest::newRow("teacher heads") << QStringList{"dataset.oracle.teacher_heads=5"}
                                   << "dataset.oracle.teacher_heads"
                                   << QStringList{"5 does not divide teacher_hidden 32"};
    QTest::newRow("gpt2 positions") << QStringList{"model.init.max_positions=32"}
                                    << "model.init.max_positions"
                                    << QStringList{"32", "41 tokens", ">= 41"};
    QTest::newRow("no vocabulary")
        << QStringList{"dataset.kind=text_corpus", "dataset.text_corpus.path=c.txt"}
        << "model.init" << QStringList{"needs a vocabulary", "\"tokenizer\""};
    QTest::newRow("tokenizer for oracle") << QStringList{"tokenizer.path=t.model"}
                                          << "tokenizer" << QStringList{"its symbols"};
    QTest::newRow("tokenizer path and training")
        << QStringList{"tokenizer={\"path\":\"t\",\"train_sentencepiece\":{}}"} << "tokenizer"
        << QStringList{"exactly one"};
    QTest::newRow("bn with one row") << QStringList{"cpo.sampler=bn", "cpo.batch_size=1"}
                                     << "cpo.batch_size"
                                     << QStringList{"rolling buffer", ">= 2"};
    QTest::newRow("embedding model without ranking")
        << QStringList{"cpo.embedding_model=/models/e5"} << "cpo.embedding_model"
        << QStringList{"ranking is false"};
    QTest::newRow("eval alpha outside [0, 1]") << QStringList{"eval.alphas=[0.5,2]"}
                                               << "eval.alphas[1]" << QStringList{"[0, 1]"};
    QTest::newRow("eval alpha twice") << QStringList{"eval.alphas=[0.5,0.5]"}
                                      << "eval.alphas[1]" << QStringList{"twice"};
    QTest::newRow("eval alphas not a list") << QStringList{"eval.alphas=0.5"} << "eval.alphas"
                                            << QStringList{"not a list", "[0, 0.5, 1]"};
    QTest::newRow("eval every negative") << QStringList{"eval.every=-1"} << "eval.every"
                                         << QStringList{"-1", "in [0, "};
    QTest::newRow("eval top_p zero") << QStringList{"eval.decoding.top_p=0"}
                                     << "eval.decoding.top_p" << QStringList{"(0, 1]"};
    QTest::newRow("eval typo") << QStringList{"eval.evry=5"} << "eval.evry"
                               << QStringList{"every"};
    QTest::newRow("eval oracle judge without the oracle task")
        << QStringList{"dataset.kind=text_corpus", "dataset.text_corpus.path=c.txt",
                       "tokenizer.path=t.model", "eval={}"}
        << "eval.judge" << QStringList{"oracle", "experiments/judges/"};
}

void TestExperiment::badField()
{
    QFETCH(QStringList, assignments);
    QFETCH(QString, path);
    QFETCH(QStringList, expected);

    auto document = base();
    for (const auto& assignment : assignments)
        applyOverride(document, assignment.toStdString());
    const auto outcome = validate(document);
    QVERIFY2(outcome.issues.size() == 1, qPrintable(describe(outcome.issues)));
    const auto& issue = outcome.issues.front();
    QCOMPARE(QString::fromStdString(issue.path), path);
    for (const auto& part : expected) {
        QVERIFY2(QString::fromStdString(issue.message).contains(part),
                 qPrintable(QString::fromStdString(issue.message) + "\n  lacks: " + part));
    }
    // The message a user sees names the file, then the field.
    QVERIFY2(outcome.message.startsWith("base.json: " + path + ": "),
             qPrintable(outcome.message));
}

void TestExperiment::severalErrorsReportedTogether()
{
    auto document = base();
    applyOverride(document, "mle.lrr=0.1");
    applyOverride(document, "cpo.k=one");
    applyOverride(document, "device=tpu");
    applyOverride(document, "dataset.oracle.symbols=1");
    const auto outcome = validate(document);
    QCOMPARE(outcome.issues.size(), std::size_t(4));
    const QStringList lines = outcome.message.split('\n');
    QCOMPARE(lines.size(), 4);
    for (const auto& line : lines)
        QVERIFY2(line.startsWith("base.json: "), qPrintable(line));
    QVERIFY(outcome.message.contains("mle.lrr"));
    QVERIFY(outcome.message.contains("cpo.k"));
    QVERIFY(outcome.message.contains("device"));
    QVERIFY(outcome.message.contains("dataset.oracle.symbols"));
}

void TestExperiment::crossChecksAfterFieldChecks()
{
    // A broken hidden_size is reported once, not echoed by "num_heads does not divide it".
    auto document = base();
    applyOverride(document, "model.init.hidden_size=\"48\"");
    const auto outcome = validate(document);
    QVERIFY2(outcome.issues.size() == 1, qPrintable(describe(outcome.issues)));
    QCOMPARE(outcome.issues.front().path, std::string("model.init.hidden_size"));
}

void TestExperiment::noPhase()
{
    auto document = base();
    document.erase("mle");
    document.erase("cpo");
    auto outcome = validate(document);
    QVERIFY2(outcome.issues.size() == 1, qPrintable(describe(outcome.issues)));
    QCOMPARE(outcome.message,
             QString("base.json: no phase to run: give \"mle\", \"cpo\" or both"));

    // CPO alone needs a trained model to start from.
    document["cpo"] = json::object();
    outcome = validate(document);
    QVERIFY2(outcome.issues.size() == 1, qPrintable(describe(outcome.issues)));
    QCOMPARE(outcome.issues.front().path, std::string("mle"));
    QVERIFY(outcome.message.contains("model.path"));

    document["model"] = {{"path", "/models/gpt2"}};
    QVERIFY2(validate(document).issues.empty(), qPrintable(validate(document).message));
}

void TestExperiment::suggestions()
{
    const std::vector<std::string> keys{"batch_size", "steps", "lr", "warmup_steps"};
    QCOMPARE(closestKey("bacth_size", keys).value_or(""), std::string("batch_size"));
    QCOMPARE(closestKey("Steps", keys).value_or(""), std::string("steps"));
    QCOMPARE(closestKey("warmup", keys), std::optional<std::string>());
    QCOMPARE(closestKey("xyz", keys), std::optional<std::string>());
}

void TestExperiment::canonicalRoundTrip()
{
    // Every section with non-default values, so a field toJson() forgot would come back as
    // its default and show.
    auto document = base();
    for (const char* assignment :
         {"seed=42", "device=cuda:1", "threads=2", "description=round trip",
          "model.init.arch=llama", "model.init.num_kv_heads=2", "model.init.rope_theta=5e5",
          "model.activation_checkpointing=true", "precision=bf16",
          "dataset.kind=instruction_jsonl", "dataset.instruction_jsonl.path=d.jsonl",
          "dataset.instruction_jsonl.fields={\"instruction\":\"q\",\"response\":\"a\","
          "\"context\":\"\"}",
          "dataset.instruction_jsonl.max_bad_fraction=0.2", "dataset.max_prefix_tokens=100",
          "dataset.splits.test=0.1", "tokenizer.train_sentencepiece.vocab_size=3000",
          "mle.lr=3e-4", "mle.schedule=linear", "mle.grad_clip=0", "cpo.k=8", "cpo.beta=0.5",
          "cpo.mix_weights={\"an\":0,\"bn\":2,\"mn\":1,\"tn\":1}", "cpo.an.top_k=40",
          "cpo.ranking=true", "cpo.embedding_model=/e", "cpo.lambda_mle=0.1",
          "output.dir=/runs/x", "eval.every=50", "eval.examples=64", "eval.judge=j.json",
          "eval.decoding={\"temperature\":0.7,\"top_k\":5,\"top_p\":0.9,"
          "\"max_new_tokens\":30,\"seed\":9}",
          "eval.alphas=[0,0.25,1]"})
        applyOverride(document, assignment);
    const auto config = parseExperiment(document, "base.json");
    const json canonical = toJson(config);
    const auto again = parseExperiment(canonical, "canonical");
    QVERIFY(again == config);
    QCOMPARE(toJson(again), canonical);
    QCOMPARE(again.seed, std::uint64_t(42));
    QCOMPARE(again.model.init->ropeTheta, 5e5);
    QVERIFY(again.model.activationCheckpointing);
    QVERIFY(again.precision == cpo::model::Precision::Bf16);
    QCOMPARE(again.dataset.instructionJsonl.fieldsPreset, std::string());
    QCOMPARE(again.dataset.instructionJsonl.fields.instruction, std::string("q"));
    QCOMPARE(again.dataset.instructionJsonl.fields.category, std::string("category"));
    QCOMPARE(again.tokenizer->trainSentencePiece->vocabSize, std::int64_t(3000));
    QCOMPARE(again.mle->optimizer.schedule, cpo::train::LrSchedule::Linear);
    QCOMPARE(again.cpo->sampler.mixWeights[1], 2.0);
    QCOMPARE(again.cpo->sampler.an.sampling.topK, std::int64_t(40));
    QCOMPARE(again.outputDir, std::string("/runs/x"));
    QCOMPARE(again.eval->every, std::int64_t(50));
    QCOMPARE(again.eval->judge, std::string("j.json"));
    QCOMPARE(again.eval->decoding.topP, 0.9);
    QCOMPARE(again.eval->decoding.seed, std::uint64_t(9));
    QVERIFY(again.eval->alphas == (std::vector<double>{0, 0.25, 1}));

    // Complete: every default is written out.
    QVERIFY(canonical["mle"].contains("weight_decay"));
    QVERIFY(canonical["cpo"].contains("checkpoint_every"));
    QVERIFY(canonical["model"]["init"].contains("intermediate_size"));
    QVERIFY(canonical["dataset"]["instruction_jsonl"].contains("template_no_context"));

    auto changed = config;
    changed.cpo->beta = 0.25;
    QVERIFY(!(changed == config));
}

void TestExperiment::hashStable()
{
    // The same experiment written two ways: comments, key order, defaults left out or spelled.
    const auto terse = parseExperiment(base(), "terse.json");
    const auto spelled = parseExperiment(
        parseJsonWithComments(R"({"cpo": {"k": 4, "beta": 5, "sampler": "mix"},
            "mle": {"steps": 100, "lr": 0.001}, "seed": 1, "device": "auto",
            "dataset": {"kind": "oracle", "oracle": {"seed": 7}},
            "model": {"init": {"num_heads": 4, "num_layers": 2, "hidden_size": 48,
                               "arch": "gpt2", "max_positions": 512}},
            "name": "base"})",
                              "spelled.json"),
        "spelled.json");
    const auto hash = configHash(terse);
    QCOMPARE(hash.size(), std::size_t(16));
    QVERIFY(hash.find_first_not_of("0123456789abcdef") == std::string::npos);
    QCOMPARE(configHash(spelled), hash);
    QCOMPARE(configHash(parseExperiment(toJson(terse), "canonical")), hash);

    auto other = terse;
    other.seed = 2;
    QVERIFY(configHash(other) != hash);
    // The eval block is part of what a run was: adding it, or changing it, changes the hash.
    auto evaluated = terse;
    evaluated.eval = cpo::engine::EvalSpec{};
    const auto withEval = configHash(evaluated);
    QVERIFY(withEval != hash);
    evaluated.eval->alphas = {0.5};
    QVERIFY(configHash(evaluated) != withEval);
    // fp32 is left out of the canonical form (runs stored before the field keep their hash,
    // and "precision": "fp32" spelled out gives the same); bf16 is part of what a run was.
    QVERIFY(!toJson(terse).contains("precision"));
    auto fp32 = base();
    fp32["precision"] = "fp32";
    QCOMPARE(configHash(parseExperiment(fp32, "fp32.json")), hash);
    auto bf16 = base();
    applyOverride(bf16, "precision=bf16");
    QVERIFY(toJson(parseExperiment(bf16, "bf16.json"))["precision"] == "bf16");
    QVERIFY(configHash(parseExperiment(bf16, "bf16.json")) != hash);
}

void TestExperiment::overrides()
{
    auto document = base();
    applyOverride(document, "mle.lr=3e-4");                // a number
    applyOverride(document, "name=my run");               // not JSON: a string
    applyOverride(document, "cpo.sampler=\"bn\"");        // a JSON string
    applyOverride(document, "cpo.an.top_k=50");           // creates the nested object
    applyOverride(document, "output={\"dir\": \"/tmp/r\"}"); // an object
    applyOverride(document, "cpo.ranking=true");
    QCOMPARE(document["mle"]["lr"].get<double>(), 3e-4);
    QCOMPARE(document["name"].get<std::string>(), std::string("my run"));
    const auto config = parseExperiment(document, "base.json");
    QCOMPARE(config.mle->optimizer.lr, 3e-4);
    QCOMPARE(config.mle->steps, std::int64_t(100)); // siblings kept
    QCOMPARE(config.name, std::string("my run"));
    QVERIFY(config.cpo->sampler.kind == SamplerKind::Bn);
    QCOMPARE(config.cpo->sampler.an.sampling.topK, std::int64_t(50));
    QCOMPARE(config.outputDir, std::string("/tmp/r"));
    QVERIFY(config.cpo->ranking);

    // null removes an optional section: the MLE-only baseline.
    applyOverride(document, "cpo=null");
    QVERIFY(!parseExperiment(document, "base.json").cpo);

    // A value with '=' in it keeps everything after the first one.
    applyOverride(document, "description=a=b");
    QCOMPARE(document["description"].get<std::string>(), std::string("a=b"));
}

void TestExperiment::badOverrides()
{
    auto document = base();
    for (const char* assignment :
         {"mle.lr", "=5", "mle..lr=1", "new..x=1", "dataset.kind.x=1", "name.first=a",
          // Found by fuzz_experiment: the bytes became a JSON string that could not be
          // written out (nlohmann's type_error, past every cpo::Error handler).
          "name=caf\xe9"}) {
        try {
            applyOverride(document, assignment);
            QFAIL(qPrintable(QString("accepted: ") + assignment));
        } catch (const cpo::Error& e) {
            QVERIFY2(QString(e.what()).startsWith(QString("--set ") + assignment),
                     e.what());
        }
    }
    // Found by fuzz_queue: a number beyond a double escaped as nlohmann's out_of_range.
    try {
        applyOverride(document, "mle.lr=1e999");
        QFAIL("accepted: mle.lr=1e999");
    } catch (const cpo::Error& e) {
        QVERIFY2(QString(e.what()).contains("--set mle.lr: a number beyond the range of a double"),
                 e.what());
    }
    QVERIFY(document == base()); // a rejected --set changes nothing

    // A path no experiment has is left for validation, which names it and suggests.
    applyOverride(document, "cpo.betta=1");
    const auto outcome = validate(document);
    QVERIFY2(outcome.issues.size() == 1, qPrintable(describe(outcome.issues)));
    QCOMPARE(outcome.issues.front().path, std::string("cpo.betta"));
    QVERIFY(outcome.message.contains("did you mean 'beta'?"));
}

void TestExperiment::loadWithOverrides()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("exp.json");
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(kBase);
    file.close();

    const std::vector<std::string> sets{"mle.steps=7", "cpo.k=3"};
    const auto config = loadExperiment(path.toStdString(), sets);
    QCOMPARE(config.mle->steps, std::int64_t(7));
    // The default warmup (100) shrinks to fit the shortened phase; an explicit one would not.
    QCOMPARE(config.mle->optimizer.warmupSteps, std::int64_t(7));
    QCOMPARE(config.cpo->k, std::int64_t(3));

    const std::vector<std::string> bad{"mle.stepz=7"};
    try {
        loadExperiment(path.toStdString(), bad);
        QFAIL("an unknown --set path was accepted");
    } catch (const ConfigError& e) {
        QVERIFY2(QString(e.what()).startsWith(path + ": mle.stepz: "), e.what());
    }
    QVERIFY_THROWS_EXCEPTION(cpo::Error, loadExperiment(dir.filePath("none.json").toStdString()));
}

void TestExperiment::shippedExperimentsValidate()
{
    const QString source = cpo::test::sourceDir();
    if (source.isEmpty())
        QSKIP("CPO_SOURCE_DIR is not set (run through CTest)");
    const QDir dir(source + "/experiments");
    const auto files = dir.entryInfoList({"*.json"}, QDir::Files, QDir::Name);
    QVERIFY2(files.size() >= 4, qPrintable(dir.path()));
    for (const auto& info : files) {
        try {
            const auto config = loadExperiment(info.filePath().toStdString());
            QVERIFY(parseExperiment(toJson(config), "canonical") == config);
        } catch (const cpo::Error& e) {
            QFAIL(e.what());
        }
    }

    const auto demo = loadExperiment(dir.filePath("demo-oracle.json").toStdString());
    QVERIFY(demo.dataset.kind == DatasetKind::Oracle);
    QCOMPARE(demo.model.init->hiddenSize, std::int64_t(48));
    QCOMPARE(demo.mle->steps, std::int64_t(2500));
    QVERIFY(demo.cpo->sampler.kind == SamplerKind::Mix);
    QCOMPARE(demo.cpo->k, std::int64_t(4));
    QCOMPARE(demo.cpo->beta, 5.0);

    for (const char* name : {"paper-dolly-gpt2xl.json", "paper-wikidump-openllama3b.json"}) {
        const auto paper = loadExperiment(dir.filePath(name).toStdString());
        QCOMPARE(paper.device, std::string("cuda"));
        QVERIFY(!paper.model.path.empty());
        QCOMPARE(paper.mle->steps, std::int64_t(2000));
        QCOMPARE(paper.cpo->steps, std::int64_t(1000));
        QVERIFY(paper.cpo->sampler.kind == SamplerKind::An);
        QCOMPARE(paper.cpo->k, std::int64_t(4));
        QCOMPARE(paper.cpo->beta, 5.0);
    }
}

void TestExperiment::oracleOptionsOneCodec()
{
    // A saved teacher's oracle.json and an experiment's dataset.oracle are one codec: what one
    // writes the other reads, with the same checks.
    cpo::data::OracleOptions options;
    options.seed = 11;
    options.symbols = 64;
    options.teacherHidden = 48;
    options.temperature = 0.8;
    const auto saved = cpo::data::toJson(options);
    const auto loaded = cpo::data::oracleOptionsFromJson(saved, "teacher/oracle.json");
    QCOMPARE(cpo::data::toJson(loaded), saved);

    auto document = base();
    document["dataset"] = {{"kind", "oracle"}, {"oracle", saved}};
    QCOMPARE(cpo::data::toJson(parseExperiment(document, "base.json").dataset.oracle), saved);

    const auto refused = [](json file) {
        try {
            cpo::data::oracleOptionsFromJson(file, "teacher/oracle.json");
        } catch (const ConfigError& e) {
            return QString::fromUtf8(e.what());
        }
        return QString();
    };
    auto missing = saved;
    missing.erase("symbols");
    QVERIFY(refused(missing).contains("teacher/oracle.json"));
    QVERIFY(refused(missing).contains("symbols"));
    auto uneven = saved;
    uneven["teacher_heads"] = 5; // does not divide teacher_hidden 48
    QVERIFY(refused(uneven).contains("teacher_heads"));
    auto unknown = saved;
    unknown["symbol"] = 3;
    QVERIFY(refused(unknown).contains("symbol"));
}

QTEST_MAIN(TestExperiment)
#include "tst_experiment.moc"
