#include "data/debian_packages.h"
#include "data/examples.h"
#include "data/instruction_jsonl.h"
#include "data/splits.h"
#include "data/text_corpus.h"
#include "test_env.h"
#include "test_files.h"
#include "tokenize/tokenizer.h"
#include "util/error.h"
#include "util/hash.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QSet>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <random>

using namespace cpo::data;
using cpo::fnv1a64;
namespace fs = std::filesystem;
using cpo::test::writeFile;

namespace {

// One token per byte, EOS = 256: every length and cut in the corpus and truncation tests can
// be read straight off the text.
class ByteTokenizer final : public cpo::tokenize::Tokenizer {
public:
    explicit ByteTokenizer(bool hasEos = true) : m_hasEos(hasEos) {}

    std::vector<cpo::tokenize::TokenId> encode(std::string_view text, bool) const override
    {
        std::vector<cpo::tokenize::TokenId> ids;
        for (const char c : text)
            ids.push_back(static_cast<unsigned char>(c));
        return ids;
    }
    std::string decode(std::span<const cpo::tokenize::TokenId> ids) const override
    {
        std::string text;
        for (const auto id : ids) {
            if (id < 256)
                text += static_cast<char>(id);
        }
        return text;
    }
    std::int64_t vocabSize() const override { return 257; }
    std::optional<cpo::tokenize::TokenId> eosId() const override
    {
        return m_hasEos ? std::optional<cpo::tokenize::TokenId>(kEos) : std::nullopt;
    }
    std::optional<cpo::tokenize::TokenId> bosId() const override { return std::nullopt; }
    std::string describe() const override { return "byte test tokenizer"; }

    static constexpr cpo::tokenize::TokenId kEos = 256;

private:
    bool m_hasEos;
};

std::vector<cpo::tokenize::TokenId> bytes(std::string_view text, bool withEos = false)
{
    auto ids = ByteTokenizer().encode(text, false);
    if (withEos)
        ids.push_back(ByteTokenizer::kEos);
    return ids;
}

// The message of the cpo::Error that f throws, or an empty string when it throws none.
template <typename F>
QString errorOf(F&& f)
{
    try {
        f();
    } catch (const cpo::Error& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

QByteArray readFile(const fs::path& path)
{
    QFile file(QString::fromStdString(path.string()));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

fs::path toPath(const QString& path) { return fs::path(path.toStdString()); }

// Compresses with the standard command-line tool (the way apt's lists are made), so the
// test also checks that we read what the tools write. Empty when the tool is missing.
QByteArray compressWith(const QString& tool, const QByteArray& data)
{
    if (QStandardPaths::findExecutable(tool).isEmpty())
        return {};
    QProcess process;
    process.start(tool, {"-c", "-q"});
    process.write(data);
    process.closeWriteChannel();
    process.waitForFinished(10000);
    return process.exitCode() == 0 ? process.readAllStandardOutput() : QByteArray();
}

// Two stanzas of the main list, one stanza of the updates list: alpha twice with the same
// description (a duplicate), beta without a long description, zeta in an area ("contrib").
const QByteArray kMainList = "Package: zeta\n"
                             "Version: 1.0\n"
                             "Section: contrib/games\n"
                             "Description: A game\n"
                             " Zeta is a game of\n"
                             " skill.\n"
                             "Description-md5: 0123\n"
                             "\n"
                             "Package: beta\n"
                             "Section: libs\n"
                             "Description: short only\n"
                             "Description-md5: 4567\n"
                             "\n"
                             "Package: alpha\n"
                             "Section: utils\n"
                             "Description: Alpha tool\n"
                             " Alpha does   things\n"
                             " well.\n"
                             " .\n"
                             " Features:\n"
                             "  * fast\n"
                             "  * small\n"
                             "Tag: role::program\n";
const QByteArray kUpdatesList = "Package: alpha\n"
                                "Section: utils\n"
                                "Description: Alpha tool\n"
                                " Alpha does things well.\n"
                                " .\n"
                                " Features:\n"
                                "  * fast\n"
                                "  *   small\n";
const QByteArray kExpectedJsonl =
    R"({"instruction":"What is the Debian package alpha for?","context":"",)"
    R"("response":"Alpha does things well.\n\nFeatures:\n* fast\n* small","category":"utils"})"
    "\n"
    R"({"instruction":"What is the Debian package zeta for?","context":"",)"
    R"("response":"Zeta is a game of skill.","category":"games"})"
    "\n";

} // namespace

class TestData : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // A fresh folder for every test function and data row, so no row sees another's files.
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }

    // Hashes
    void hashesAreStable();

    // Tokenizing text examples
    void tokenizeLimits_data();
    void tokenizeLimits();
    void tokenizeDropsEmptyAndCounts();
    void tokenizeNeedsEos();

    // Instruction JSONL
    void jsonlMappings_data();
    void jsonlMappings();
    void jsonlCustomMappingAndTemplate();
    void jsonlTemplateValidation();
    void jsonlMalformedLine_data();
    void jsonlMalformedLine();
    void jsonlReportsLineNumbers();
    void jsonlRefusalThreshold_data();
    void jsonlRefusalThreshold();
    void jsonlAllBadHintsAtMapping();
    void jsonlEmptyOrMissingFile_data();
    void jsonlEmptyOrMissingFile();
    void jsonlLongLineIsRefused();
    void jsonlHugeFileIsRefused();

    // Text corpus
    void titleHeadings_data();
    void titleHeadings();
    void splitDocumentsAtTitles();
    void corpusWindowsStayInDocuments();
    void corpusStride();
    void corpusErrors();
    void wikiTextWithGpt2();

    // Splits
    void splitsDeterministicAndOrderFree();
    void splitFractions_data();
    void splitFractions();
    void splitsKeepGroupsTogether();
    void splitInvalidFractions();

    // Debian packages
    void cleanDescription_data();
    void cleanDescription();
    void debianDataset_data();
    void debianDataset();
    void debianTranslationsStatusAndCorpus();
    void debianSampleIsDeterministic();
    void debianErrors();
    void debianRealLists();

private:
    QString path(const QString& name) const { return m_dir->filePath(name); }
    InstructionDataset loadJsonl(const QByteArray& content, const InstructionJsonlOptions& o = {})
    {
        writeFile(path("data.jsonl"), content);
        return loadInstructionJsonl(toPath(path("data.jsonl")), o);
    }

    std::unique_ptr<QTemporaryDir> m_dir;
};

// ---------------------------------------------------------------------------------------------

void TestData::hashesAreStable()
{
    // The published FNV-1a 64 test vectors (Fowler/Noll/Vo reference code): the split of an
    // example must be the same on every machine, so the hash is pinned to them.
    QCOMPARE(fnv1a64(""), 0xcbf29ce484222325ULL);
    QCOMPARE(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
    QCOMPARE(fnv1a64("foobar"), 0x85944171f73967e8ULL);
    // Golden value from an independent Python implementation of the documented recipe.
    QCOMPARE(exampleHash("Hello", "world"), 0xf5438baffa2d34fbULL);
    QVERIFY(exampleHash("ab", "c") != exampleHash("a", "bc"));
}

void TestData::tokenizeLimits_data()
{
    QTest::addColumn<QString>("prompt");
    QTest::addColumn<QString>("continuation");
    QTest::addColumn<int>("maxPrefix");
    QTest::addColumn<int>("maxContinuation");
    QTest::addColumn<QString>("expectedPrefix");
    QTest::addColumn<QString>("expectedContinuation");
    QTest::addColumn<bool>("endsWithEos");

    QTest::newRow("fits") << "abc" << "xy" << 8 << 8 << "abc" << "xy" << true;
    QTest::newRow("prefix keeps its end") << "abcdef" << "xy" << 3 << 8 << "def" << "xy" << true;
    QTest::newRow("continuation keeps its start, without EOS")
        << "abc" << "wxyz" << 8 << 3 << "abc" << "wxy" << false;
    QTest::newRow("continuation + EOS exactly fits") << "abc" << "wx" << 8 << 3 << "abc" << "wx"
                                                     << true;
    QTest::newRow("no limits") << "abcdef" << "uvwxyz" << 0 << 0 << "abcdef" << "uvwxyz" << true;
}

void TestData::tokenizeLimits()
{
    QFETCH(QString, prompt);
    QFETCH(QString, continuation);
    QFETCH(int, maxPrefix);
    QFETCH(int, maxContinuation);
    QFETCH(QString, expectedPrefix);
    QFETCH(QString, expectedContinuation);
    QFETCH(bool, endsWithEos);

    const std::vector<TextExample> examples{
        {prompt.toStdString(), continuation.toStdString(), "cat"}};
    const TokenizedDataset out =
        tokenizeExamples(examples, ByteTokenizer(),
                         {static_cast<std::size_t>(maxPrefix),
                          static_cast<std::size_t>(maxContinuation)});
    QCOMPARE(out.examples.size(), 1u);
    const TokenizedExample& e = out.examples.front();
    QCOMPARE(e.prefix, bytes(expectedPrefix.toStdString()));
    QCOMPARE(e.continuation, bytes(expectedContinuation.toStdString(), endsWithEos));
    QCOMPARE(e.category, std::string("cat"));
    QCOMPARE(e.hash, exampleHash(prompt.toStdString(), continuation.toStdString()));
    QCOMPARE(e.groupHash, e.hash);
    QCOMPARE(out.report.continuationTruncated, endsWithEos ? 0u : 1u);
}

void TestData::tokenizeDropsEmptyAndCounts()
{
    const std::vector<TextExample> examples{
        {"abcd", "xyz", ""}, {"", "xyz", ""}, {"abcd", "", ""}, {"ab", "x", ""}};
    const TokenizedDataset out = tokenizeExamples(examples, ByteTokenizer(), {3, 3});
    QCOMPARE(out.report.input, 4u);
    QCOMPARE(out.report.kept, 2u);
    QCOMPARE(out.report.droppedEmpty, 2u);
    QCOMPARE(out.report.prefixTruncated, 1u);
    QCOMPARE(out.report.continuationTruncated, 1u);
    QCOMPARE(out.examples[1].prefix, bytes("ab"));
    QCOMPARE(out.examples[1].continuation, bytes("x", true));
}

void TestData::tokenizeNeedsEos()
{
    const std::vector<TextExample> examples{{"a", "b", ""}};
    const QString message = errorOf([&] { tokenizeExamples(examples, ByteTokenizer(false)); });
    QVERIFY2(message.contains("end-of-sequence") && message.contains("byte test tokenizer"),
             qPrintable(message));
}

// ---------------------------------------------------------------------------------------------

void TestData::jsonlMappings_data()
{
    QTest::addColumn<QString>("preset");
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QString>("prompt");
    QTest::addColumn<QString>("continuation");
    QTest::addColumn<QString>("category");

    QTest::newRow("dolly with context")
        << "dolly"
        << QByteArray(R"({"instruction": "Why?", "context": "Because.", "response": "Yes.",)"
                      R"( "category": "open_qa"})")
        << "### Instruction:\nWhy?\n\n### Context:\nBecause.\n\n### Response:\n" << "Yes."
        << "open_qa";
    QTest::newRow("dolly with an empty context")
        << "dolly"
        << QByteArray(R"({"instruction":"Why?","context":"","response":"Yes.","category":"qa"})")
        << "### Instruction:\nWhy?\n\n### Response:\n" << "Yes." << "qa";
    QTest::newRow("dolly fields trimmed, context null")
        << "dolly"
        << QByteArray(R"({"instruction":"  Why?\n","context":null,"response":" Yes. "})")
        << "### Instruction:\nWhy?\n\n### Response:\n" << "Yes." << "";
    QTest::newRow("alpaca with input")
        << "alpaca" << QByteArray(R"({"instruction":"Add.","input":"1 and 2","output":"3"})")
        << "### Instruction:\nAdd.\n\n### Context:\n1 and 2\n\n### Response:\n" << "3" << "";
    QTest::newRow("alpaca without input")
        << "alpaca" << QByteArray(R"({"instruction":"Say hi.","input":"","output":"Hi!"})")
        << "### Instruction:\nSay hi.\n\n### Response:\n" << "Hi!" << "";
    QTest::newRow("prompt_response")
        << "prompt_response" << QByteArray(R"({"prompt":"Hello","response":"Hi, \u00e9t\u00e9"})")
        << "### Instruction:\nHello\n\n### Response:\n" << QString::fromUtf8("Hi, été") << "";
}

void TestData::jsonlMappings()
{
    QFETCH(QString, preset);
    QFETCH(QByteArray, line);
    QFETCH(QString, prompt);
    QFETCH(QString, continuation);
    QFETCH(QString, category);

    InstructionJsonlOptions options;
    options.fields = FieldMapping::preset(preset.toStdString());
    const InstructionDataset data = loadJsonl(line + "\n", options);
    QCOMPARE(data.examples.size(), 1u);
    QCOMPARE(QString::fromStdString(data.examples[0].prompt), prompt);
    QCOMPARE(QString::fromStdString(data.examples[0].continuation), continuation);
    QCOMPARE(QString::fromStdString(data.examples[0].category), category);
    QCOMPARE(data.report.loaded, 1u);
    QCOMPARE(data.report.skipped, 0u);
}

void TestData::jsonlCustomMappingAndTemplate()
{
    InstructionJsonlOptions options;
    options.fields = {"question", "passage", "answer", "kind"};
    options.prompt = {"Passage: {context}\nQ: {instruction}\nA:", "Q: {instruction}\nA:"};
    const InstructionDataset data = loadJsonl(
        R"({"question":"Use {context} here?","passage":"P {instruction}","answer":"No",)"
        R"("kind":"k"})"
        "\n"
        R"({"question":"Plain?","answer":"Yes"})",
        options);
    QCOMPARE(data.examples.size(), 2u);
    // Placeholders spelled inside the values are data, not template: replaced once only.
    QCOMPARE(data.examples[0].prompt,
             std::string("Passage: P {instruction}\nQ: Use {context} here?\nA:"));
    QCOMPARE(data.examples[0].category, std::string("k"));
    QCOMPARE(data.examples[1].prompt, std::string("Q: Plain?\nA:"));

    QCOMPARE(FieldMapping::preset("alpaca").response, std::string("output"));
    const QString unknown = errorOf([] { FieldMapping::preset("sharegpt"); });
    QVERIFY2(unknown.contains("sharegpt") && unknown.contains("alpaca"), qPrintable(unknown));
}

void TestData::jsonlTemplateValidation()
{
    InstructionJsonlOptions options;
    options.prompt.withContext = "{instruction} only";
    const QByteArray record = R"({"instruction":"a","response":"b"})";
    QString message = errorOf([&] { loadJsonl(record, options); });
    QVERIFY2(message.contains("{context}"), qPrintable(message));

    options = {};
    options.prompt.withoutContext = "{instruction} {context}";
    message = errorOf([&] { loadJsonl(record, options); });
    QVERIFY2(message.contains("without a context"), qPrintable(message));
}

void TestData::jsonlMalformedLine_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QString>("reason");

    QTest::newRow("bad JSON") << QByteArray(R"({"instruction": "a", "response": )")
                              << "invalid JSON at column";
    QTest::newRow("not an object") << QByteArray(R"(["instruction", "response"])")
                                   << "not a JSON object (a array)";
    QTest::newRow("missing response") << QByteArray(R"({"instruction":"a"})")
                                      << "missing field \"response\"";
    QTest::newRow("blank instruction") << QByteArray(R"({"instruction":"  ","response":"b"})")
                                       << "field \"instruction\" is blank";
    QTest::newRow("number response") << QByteArray(R"({"instruction":"a","response":42})")
                                     << "field \"response\" is a number, not a string";
    QTest::newRow("array context")
        << QByteArray(R"({"instruction":"a","context":["x"],"response":"b"})")
        << "field \"context\" is an array, not a string";
    QTest::newRow("non-UTF-8 byte")
        << QByteArray("{\"instruction\":\"caf\xe9\",\"response\":\"b\"}") // Latin-1 é
        << "invalid UTF-8 at byte 20";
    QTest::newRow("nested 100 000 deep")
        << QByteArray(100000, '[') + QByteArray(100000, ']') << "JSON nested more than 256";
    // Found by fuzz_instruction_jsonl: nlohmann's out_of_range escaped the load as a whole.
    QTest::newRow("number beyond a double")
        << QByteArray(R"({"instruction":"a","response":"b","n":1e999})")
        << "a number beyond the range of a double";
}

void TestData::jsonlMalformedLine()
{
    QFETCH(QByteArray, line);
    QFETCH(QString, reason);

    InstructionJsonlOptions options;
    options.maxBadFraction = 0.5;
    const QByteArray good = R"({"instruction":"a","response":"b"})";
    const InstructionDataset data = loadJsonl(good + "\n\n" + line + "\n" + good + "\n", options);
    QCOMPARE(data.report.loaded, 2u);
    QCOMPARE(data.report.skipped, 1u);
    QCOMPARE(data.report.badLines.size(), 1u);
    QCOMPARE(data.report.badLines[0].line, 3u);
    const QString actual = QString::fromStdString(data.report.badLines[0].reason);
    QVERIFY2(actual.startsWith(reason), qPrintable(actual));
}

void TestData::jsonlReportsLineNumbers()
{
    QByteArray content;
    for (int i = 1; i <= 40; ++i) {
        if (i % 10 == 0)
            content += "oops\n";
        else if (i % 7 == 0)
            content += "   \r\n"; // blank lines count for numbering but not as records
        else
            content += QByteArray(R"({"instruction":"q)") + QByteArray::number(i)
                     + R"(","response":"a"})" + "\r\n";
    }
    InstructionJsonlOptions options;
    options.maxBadFraction = 0.2;
    options.maxReportedBadLines = 3;
    const InstructionDataset data = loadJsonl(content, options);
    QCOMPARE(data.report.lines, 40u);
    QCOMPARE(data.report.records, 35u);
    QCOMPARE(data.report.skipped, 4u);
    QCOMPARE(data.report.loaded, 31u);
    QCOMPARE(data.report.badLines.size(), 3u); // capped, all four counted
    QCOMPARE(data.report.badLines[0].line, 10u);
    QCOMPARE(data.report.badLines[2].line, 30u);
    QCOMPARE(data.examples[0].prompt, std::string("### Instruction:\nq1\n\n### Response:\n"));
}

void TestData::jsonlRefusalThreshold_data()
{
    QTest::addColumn<int>("bad");
    QTest::addColumn<int>("good");
    QTest::addColumn<double>("maxBadFraction");
    QTest::addColumn<bool>("refused");

    QTest::newRow("5% at the default 5%") << 1 << 19 << 0.05 << false;
    QTest::newRow("10% at the default 5%") << 2 << 18 << 0.05 << true;
    QTest::newRow("10% at 20%") << 2 << 18 << 0.2 << false;
    QTest::newRow("none allowed, one bad") << 1 << 99 << 0.0 << true;
}

void TestData::jsonlRefusalThreshold()
{
    QFETCH(int, bad);
    QFETCH(int, good);
    QFETCH(double, maxBadFraction);
    QFETCH(bool, refused);

    QByteArray content;
    for (int i = 0; i < good; ++i)
        content += R"({"instruction":"q","response":"a"})" "\n";
    for (int i = 0; i < bad; ++i)
        content += "{\"instruction\": 1}\n";
    InstructionJsonlOptions options;
    options.maxBadFraction = maxBadFraction;
    const QString message = errorOf([&] { loadJsonl(content, options); });
    QCOMPARE(!message.isEmpty(), refused);
    if (refused) {
        const QString counts = QStringLiteral("%1 of %2 records").arg(bad).arg(bad + good);
        const QString firstBad = QStringLiteral("line %1: ").arg(good + 1);
        QVERIFY2(message.contains("data.jsonl") && message.contains(counts)
                     && message.contains(firstBad) && message.contains("field mapping"),
                 qPrintable(message));
    }
}

void TestData::jsonlAllBadHintsAtMapping()
{
    // An Alpaca file read with the Dolly mapping: every record lacks "response".
    const QString message = errorOf([&] {
        loadJsonl(R"({"instruction":"a","input":"","output":"b"})" "\n", {});
    });
    QVERIFY2(message.contains("none of the 1 records") && message.contains("\"output\"")
                 && message.contains("missing field \"response\""),
             qPrintable(message));
}

void TestData::jsonlEmptyOrMissingFile_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<bool>("create");
    QTest::addColumn<QString>("expected");

    QTest::newRow("empty") << QByteArray() << true << "empty";
    QTest::newRow("blank lines only") << QByteArray("\n  \n\r\n") << true << "empty";
    QTest::newRow("missing") << QByteArray() << false << "cannot open";
}

void TestData::jsonlEmptyOrMissingFile()
{
    QFETCH(QByteArray, content);
    QFETCH(bool, create);
    QFETCH(QString, expected);

    const QString file = path(create ? "empty.jsonl" : "absent.jsonl");
    if (create)
        writeFile(file, content);
    const QString message = errorOf([&] { loadInstructionJsonl(toPath(file)); });
    QVERIFY2(message.contains(file) && message.contains(expected), qPrintable(message));
}

void TestData::jsonlLongLineIsRefused()
{
    // A well-formed record just past the cap (16 MiB): refused by file and line, before its
    // JSON is parsed, instead of held whole.
    QByteArray content = R"({"instruction":"q","response":"a"})" "\n";
    content += R"({"instruction":"q","response":")";
    content += QByteArray(static_cast<qsizetype>(kMaxJsonlLineBytes), 'a');
    content += "\"}\n";
    const QString message = errorOf([&] { loadJsonl(content, {}); });
    QVERIFY2(message.contains("data.jsonl:2:") && message.contains("16 MiB"),
             qPrintable(message.left(300)));
}

void TestData::jsonlHugeFileIsRefused()
{
    // A sparse file one byte past the cap (4 GiB): refused by its size, nothing read.
    const QString file = path("huge.jsonl");
    writeFile(file, QByteArray());
    std::filesystem::resize_file(toPath(file), kMaxJsonlFileBytes + 1);
    const QString message = errorOf([&] { loadInstructionJsonl(toPath(file)); });
    QVERIFY2(message.contains(file) && message.contains("4 GiB"), qPrintable(message.left(300)));
}

// ---------------------------------------------------------------------------------------------

void TestData::titleHeadings_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<bool>("title");

    QTest::newRow("title") << " = Robert Boulter = \n" << true;
    QTest::newRow("title without padding") << "= A =" << true;
    QTest::newRow("section") << " = = Career = = \n" << false;
    QTest::newRow("subsection") << " = = = 2000 – 2005 = = = \n" << false;
    QTest::newRow("text with equals") << " x = y = z \n" << false;
    QTest::newRow("empty title") << " = = \n" << false;
    QTest::newRow("blank") << " \n" << false;
}

void TestData::titleHeadings()
{
    QFETCH(QString, line);
    QFETCH(bool, title);
    QCOMPARE(isTitleHeading(line.toStdString()), title);
}

void TestData::splitDocumentsAtTitles()
{
    const std::string text = " \n = One = \n \n Body one . \n = = Part = = \n More one . \n"
                             " = Two = \n Body two . \n";
    const std::vector<std::string_view> docs = splitDocuments(text);
    QCOMPARE(docs.size(), 2u);
    QCOMPARE(docs[0],
             std::string_view(" = One = \n \n Body one . \n = = Part = = \n More one . \n"));
    QCOMPARE(docs[1], std::string_view(" = Two = \n Body two . \n"));
    // Text before the first title, or without any title, is a document of its own.
    QCOMPARE(splitDocuments("intro\n = T = \nbody\n").size(), 2u);
    QCOMPARE(splitDocuments("no titles\nat all\n").size(), 1u);
}

void TestData::corpusWindowsStayInDocuments()
{
    // b.txt is read after a.txt whatever order the folder lists them in.
    QDir().mkpath(path("corpus"));
    writeFile(path("corpus/b.txt"), "= B =\n0123456789");
    writeFile(path("corpus/a.txt"), "= A =\nabcdefghij\n= C =\nxyz");
    writeFile(path("corpus/notes.md"), "= ignored =\nnot a corpus file at all");

    TextCorpusOptions options;
    options.path = toPath(path("corpus"));
    options.prefixTokens = 4;
    options.continuationTokens = 5; // 4 text tokens + EOS: windows of 8 text tokens
    const TextCorpus corpus = loadTextCorpus(options, ByteTokenizer());

    // "= A =\nabcdefghij\n" is 17 bytes: windows at 0 and 8; "= C =\nxyz" (9) one at 0;
    // "= B =\n0123456789" (16): windows at 0 and 8. Only B's second window ends where its
    // document does: it alone ends with EOS; the others end with the text's next byte.
    struct Window {
        std::string prompt;
        std::string continuation;
        bool eos;
    };
    const std::vector<Window> expected{{"= A ", "=\nabc", false},
                                       {"cdef", "ghij\n", false},
                                       {"= C ", "=\nxyz", false},
                                       {"= B ", "=\n012", false},
                                       {"2345", "6789", true}};
    QCOMPARE(corpus.examples.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const TokenizedExample& e = corpus.examples[i];
        QCOMPARE(e.prefix, bytes(expected[i].prompt));
        QCOMPARE(e.continuation, bytes(expected[i].continuation, expected[i].eos));
        QCOMPARE(e.continuation.size(), std::size_t(options.continuationTokens));
        QCOMPARE(corpus.texts[i].prompt, expected[i].prompt);
        QCOMPARE(corpus.texts[i].continuation, expected[i].continuation);
        QCOMPARE(e.hash, exampleHash(expected[i].prompt, expected[i].continuation));
        QCOMPARE(e.category, std::string(i < 3 ? "a" : "b"));
    }
    // Windows of one document share its group; different documents do not.
    QCOMPARE(corpus.examples[0].groupHash, corpus.examples[1].groupHash);
    QVERIFY(corpus.examples[1].groupHash != corpus.examples[2].groupHash);
    QCOMPARE(corpus.examples[3].groupHash, corpus.examples[4].groupHash);
    QCOMPARE(corpus.report.files, 2u);
    QCOMPARE(corpus.report.documents, 3u);
    QCOMPARE(corpus.report.shortDocuments, 0u);
    QCOMPARE(corpus.report.tokens, 17u + 9u + 16u);
}

void TestData::corpusStride()
{
    writeFile(path("one.txt"), "abcdefghij");
    TextCorpusOptions options;
    options.path = toPath(path("one.txt"));
    options.prefixTokens = 3;
    options.continuationTokens = 3; // windows of 5 text tokens
    options.stride = 2;
    const TextCorpus corpus = loadTextCorpus(options, ByteTokenizer());
    QCOMPARE(corpus.examples.size(), 3u); // starts 0, 2, 4; 6 + 5 > 10
    QCOMPARE(corpus.texts[2].prompt, std::string("efg"));
    QCOMPARE(corpus.texts[2].continuation, std::string("hij")); // mid-text: no EOS
}

void TestData::corpusErrors()
{
    QDir().mkpath(path("empty-folder"));
    TextCorpusOptions options;
    options.path = toPath(path("empty-folder"));
    QString message = errorOf([&] { loadTextCorpus(options, ByteTokenizer()); });
    QVERIFY2(message.contains("no .txt file"), qPrintable(message));

    writeFile(path("short.txt"), "= T =\nshort\n= U =\ntiny\n");
    options.path = toPath(path("short.txt"));
    message = errorOf([&] { loadTextCorpus(options, ByteTokenizer()); });
    QVERIFY2(message.contains("short.txt") && message.contains("127 tokens"), qPrintable(message));

    options.continuationTokens = 1;
    message = errorOf([&] { loadTextCorpus(options, ByteTokenizer()); });
    QVERIFY2(message.contains("continuationTokens"), qPrintable(message));

    options.continuationTokens = 2;
    message = errorOf([&] { loadTextCorpus(options, ByteTokenizer(false)); });
    QVERIFY2(message.contains("end-of-sequence"), qPrintable(message));
}

void TestData::wikiTextWithGpt2()
{
    const QString shared = cpo::test::sharedDataDir();
    if (shared.isEmpty())
        QSKIP("CPO_TEST_DATA_DIR is unset or missing: no WikiText-2 / GPT-2 BPE to test with");
    const auto tokenizer = cpo::tokenize::loadTokenizer(toPath(shared + "/gpt2-bpe"));
    TextCorpusOptions options;
    options.path = toPath(shared + "/wikitext-2/valid.txt");
    options.prefixTokens = 32;
    options.continuationTokens = 32;
    const TextCorpus corpus = loadTextCorpus(options, *tokenizer);

    // valid.txt holds 60 articles, each opening with a " = Title = " line (counted with grep).
    QCOMPARE(corpus.report.documents, 60u);
    QCOMPARE(corpus.report.files, 1u);
    // ~1.1 MB of English: some 200-300 thousand GPT-2 tokens, windows of 63 of them.
    QVERIFY2(corpus.report.tokens > 200000 && corpus.report.tokens < 350000,
             qPrintable(QString::number(corpus.report.tokens)));
    QVERIFY(corpus.examples.size() >= corpus.report.tokens / 63 - 60);
    QVERIFY(corpus.examples.size() <= corpus.report.tokens / 63);
    // Each window lies inside one article: its text is found, in order, in the article whose
    // group hash it carries, and every article gives floor(tokens / 63) windows.
    const std::string raw = readFile(options.path).toStdString();
    const std::vector<std::string_view> articles = splitDocuments(raw);
    std::size_t expectedExamples = 0;
    for (const std::string_view article : articles)
        expectedExamples += tokenizer->encode(article).size() / 63;
    QCOMPARE(corpus.examples.size(), expectedExamples);
    const cpo::tokenize::TokenId eos = 50256;
    std::size_t article = 0;
    std::size_t from = 0;
    for (std::size_t i = 0; i < corpus.examples.size(); ++i) {
        const TokenizedExample& e = corpus.examples[i];
        QCOMPARE(e.prefix.size(), 32u);
        QCOMPARE(e.continuation.size(), 32u);
        // EOS only where an article ends, never inside a window.
        const bool articleEnds = e.continuation.back() == eos;
        QCOMPARE(std::count(e.continuation.begin(), e.continuation.end(), eos),
                 articleEnds ? 1 : 0);
        QCOMPARE(e.category, std::string("valid"));
        const std::string text = corpus.texts[i].prompt + corpus.texts[i].continuation;
        std::size_t at = articles[article].find(text, from);
        while (at == std::string_view::npos && ++article < articles.size())
            at = articles[article].find(text);
        QVERIFY2(at != std::string_view::npos, text.c_str());
        QCOMPARE(e.groupHash, fnv1a64(articles[article]));
        // A mid-article window's last token is the next window's first: search on from
        // this window's continuation.
        from = at + corpus.texts[i].prompt.size();
    }
    QCOMPARE(QString::fromStdString(corpus.texts.front().prompt).left(20),
             QStringLiteral(" = Homarus gammarus "));
}

// ---------------------------------------------------------------------------------------------

namespace {

std::vector<TokenizedExample> numberedExamples(int count)
{
    std::vector<TokenizedExample> examples;
    for (int i = 0; i < count; ++i) {
        const std::uint64_t hash =
            exampleHash("prompt " + std::to_string(i), "continuation " + std::to_string(i));
        examples.push_back({{i}, {i}, "", hash, hash});
    }
    return examples;
}

std::map<std::uint64_t, Split> membership(const SplitDatasets& splits)
{
    std::map<std::uint64_t, Split> out;
    for (const auto& [split, part] : {std::pair{Split::Train, &splits.train},
                                      std::pair{Split::Validation, &splits.validation},
                                      std::pair{Split::Test, &splits.test}}) {
        for (const TokenizedExample& e : *part)
            out[e.hash] = split;
    }
    return out;
}

} // namespace

void TestData::splitsDeterministicAndOrderFree()
{
    std::vector<TokenizedExample> examples = numberedExamples(20000);
    const auto reference = membership(splitExamples(examples));
    QCOMPARE(reference.size(), examples.size());

    std::shuffle(examples.begin(), examples.end(), std::mt19937(7));
    QCOMPARE(membership(splitExamples(examples)), reference);

    // A smaller dataset puts each of its examples where the larger one did.
    examples.resize(500);
    for (const auto& [hash, split] : membership(splitExamples(examples)))
        QCOMPARE(split, reference.at(hash));

    // Another seed draws another split.
    const auto reseeded = membership(splitExamples(numberedExamples(20000), {}, 1));
    int moved = 0;
    for (const auto& [hash, split] : reseeded)
        moved += split != reference.at(hash);
    QVERIFY2(moved > 1000, qPrintable(QString::number(moved)));
}

void TestData::splitFractions_data()
{
    QTest::addColumn<double>("train");
    QTest::addColumn<double>("validation");
    QTest::addColumn<double>("test");

    QTest::newRow("0.9 / 0.05 / 0.05") << 0.9 << 0.05 << 0.05;
    QTest::newRow("0.8 / 0.1 / 0.1") << 0.8 << 0.1 << 0.1;
    QTest::newRow("0.5 / 0.5 / 0") << 0.5 << 0.5 << 0.0;
    QTest::newRow("all train") << 1.0 << 0.0 << 0.0;
}

void TestData::splitFractions()
{
    QFETCH(double, train);
    QFETCH(double, validation);
    QFETCH(double, test);

    constexpr int n = 20000;
    const SplitDatasets splits = splitExamples(numberedExamples(n), {train, validation, test});
    QCOMPARE(splits.train.size() + splits.validation.size() + splits.test.size(), std::size_t(n));
    // A binomial share of n = 20000 has a standard deviation of at most 0.0035; 0.015 is over
    // four of them, so a correct split fails this about once in 10^5 runs (never: it is fixed).
    const auto share = [&](const std::vector<TokenizedExample>& part) {
        return static_cast<double>(part.size()) / n;
    };
    QVERIFY2(std::abs(share(splits.train) - train) < 0.015,
             qPrintable(QString::number(share(splits.train))));
    QVERIFY(std::abs(share(splits.validation) - validation) < 0.015);
    QVERIFY(std::abs(share(splits.test) - test) < 0.015);
    // An empty share stays exactly empty.
    if (test == 0.0)
        QCOMPARE(splits.test.size(), 0u);
    if (validation == 0.0)
        QCOMPARE(splits.validation.size(), 0u);
}

void TestData::splitsKeepGroupsTogether()
{
    // Windows of one document share a group hash and so a split, whatever their own hashes.
    std::vector<TokenizedExample> examples;
    for (int doc = 0; doc < 200; ++doc) {
        for (int window = 0; window < 5; ++window) {
            const std::uint64_t hash = exampleHash(std::to_string(doc), std::to_string(window));
            examples.push_back({{}, {}, "", hash, fnv1a64("document " + std::to_string(doc))});
        }
    }
    const SplitDatasets splits = splitExamples(examples, {0.6, 0.2, 0.2});
    for (const auto* part : {&splits.train, &splits.validation, &splits.test}) {
        std::map<std::uint64_t, int> perGroup;
        for (const TokenizedExample& e : *part)
            ++perGroup[e.groupHash];
        for (const auto& [group, count] : perGroup)
            QCOMPARE(count, 5);
    }
}

void TestData::splitInvalidFractions()
{
    QString message = errorOf([] { splitExamples({}, {0.9, 0.1, 0.1}); });
    QVERIFY2(message.contains("1.1") && message.contains("make 1"), qPrintable(message));
    message = errorOf([] { assignSplit(1, {1.2, -0.1, -0.1}); });
    QVERIFY2(!message.isEmpty(), "negative fractions must be refused");
    QCOMPARE(splitName(Split::Validation), std::string_view("validation"));
}

// ---------------------------------------------------------------------------------------------

void TestData::cleanDescription_data()
{
    QTest::addColumn<QString>("raw");
    QTest::addColumn<QString>("clean");

    QTest::newRow("wrapped paragraph") << " Bash is an sh-compatible\n interpreter.  It runs"
                                       << "Bash is an sh-compatible interpreter. It runs";
    QTest::newRow("paragraphs") << " One.\n .\n Two.\n .\n" << "One.\n\nTwo.";
    QTest::newRow("verbatim list") << " Features:\n  * fast\n  *  small\n Done."
                                   << "Features:\n* fast\n* small\nDone.";
    QTest::newRow("hanging indent continues an item")
        << " Tools:\n  - one two\n    three\n  - four\n    1. nested\n Done."
        << "Tools:\n- one two three\n- four\n1. nested\nDone.";
    QTest::newRow("leading break and tabs") << " .\n\tTabbed\ttext\n" << "Tabbed text";
    QTest::newRow("empty") << "" << "";
    QTest::newRow("only breaks") << " .\n .\n" << "";
}

void TestData::cleanDescription()
{
    QFETCH(QString, raw);
    QFETCH(QString, clean);
    QCOMPARE(QString::fromStdString(cleanDebianDescription(raw.toStdString())), clean);
}

void TestData::debianDataset_data()
{
    QTest::addColumn<QString>("tool");      // empty: plain lists
    QTest::addColumn<QString>("extension");
    QTest::addColumn<bool>("twoParts");     // compressed as two members / frames back to back

    QTest::newRow("plain") << "" << "" << false;
    QTest::newRow("gzip") << "gzip" << ".gz" << false;
    QTest::newRow("gzip, two members") << "gzip" << ".gz" << true;
    QTest::newRow("lz4") << "lz4" << ".lz4" << false;
    QTest::newRow("lz4, two frames") << "lz4" << ".lz4" << true;
}

void TestData::debianDataset()
{
    QFETCH(QString, tool);
    QFETCH(QString, extension);
    QFETCH(bool, twoParts);

    const auto encode = [&](const QByteArray& data) -> QByteArray {
        if (tool.isEmpty())
            return data;
        if (!twoParts)
            return compressWith(tool, data);
        const qsizetype half = data.indexOf("\n\n") + 2; // split at a stanza boundary
        const QByteArray first = compressWith(tool, data.left(half));
        const QByteArray second = compressWith(tool, data.mid(half));
        return first.isEmpty() || second.isEmpty() ? QByteArray() : first + second;
    };
    const QByteArray main = encode(kMainList);
    if (main.isEmpty())
        QSKIP(qPrintable(tool + " is not installed: cannot make a compressed list to read"));

    const QString lists = path("lists");
    QDir().mkpath(lists);
    writeFile(lists + "/deb.example.org_dists_x_main_binary-amd64_Packages" + extension, main);
    writeFile(lists + "/deb.example.org_dists_x-updates_main_binary-amd64_Packages" + extension,
              encode(kUpdatesList));
    writeFile(lists + "/deb.example.org_dists_x_InRelease", "not a list");
    writeFile(lists + "/deb.example.org_dists_x_main_binary-amd64_Packages.diff_Index", "nope");

    DebianDatasetOptions options;
    options.listsDir = toPath(lists);
    options.statusFile.clear();
    options.outputJsonl = toPath(path("out/debian.jsonl"));
    const DebianDatasetReport report = buildDebianPackagesDataset(options);

    QCOMPARE(readFile(options.outputJsonl), kExpectedJsonl);
    QCOMPARE(report.filesRead.size(), 2u);
    QCOMPARE(report.filesSkipped.size(), 0u);
    QCOMPARE(report.stanzas, 4u);
    QCOMPARE(report.withoutLongDescription, 1u); // beta
    QCOMPARE(report.duplicates, 1u);             // alpha, same text once cleaned
    QCOMPARE(report.conflicting, 0u);
    QCOMPARE(report.packages, 2u);
    QCOMPARE(report.written, 2u);
    QVERIFY(!QFile::exists(path("out/debian.jsonl.tmp")));

    // The output reads back as a Dolly dataset.
    const InstructionDataset data = loadInstructionJsonl(options.outputJsonl);
    QCOMPARE(data.examples.size(), 2u);
    QCOMPARE(data.examples[1].category, std::string("games"));
}

void TestData::debianTranslationsStatusAndCorpus()
{
    const QString lists = path("lists-i18n");
    QDir().mkpath(lists);
    // Modern Debian: the Packages list carries the short description and its md5 only.
    writeFile(lists + "/d_main_binary-amd64_Packages",
              "Package: gamma\nSection: net\nDescription: Gamma client\n"
              "Description-md5: aaaa\n\n"
              "Package: delta\nSection: non-free/science\nDescription: Delta\n"
              "Description-md5: bbbb\n\n"
              "Package: epsilon\nSection: misc\nDescription: Epsilon\n"
              "Description-md5: cccc\n");
    writeFile(lists + "/d_main_i18n_Translation-en",
              "Package: gamma\nDescription-md5: aaaa\nDescription-en: Gamma client\n"
              " Gamma talks to servers.\n\n"
              "Package: delta\nDescription-md5: ffff\nDescription-en: Delta (old)\n"
              " Stale text whose md5 matches no list.\n");
    // dpkg's status: full descriptions of installed packages; gamma's differs (another
    // version) and is longer, so it wins.
    writeFile(path("status"),
              "Package: delta\nStatus: install ok installed\nSection: science\n"
              "Description: Delta\n Delta computes.\n .\n Second paragraph.\n\n"
              "Package: gamma\nStatus: install ok installed\nSection: net\n"
              "Description: Gamma client\n Gamma talks to many servers.\n");
    writeFile(lists + "/d_contrib_binary-amd64_Packages.xz", "\xfd" "7zXZ fake");

    DebianDatasetOptions options;
    options.listsDir = toPath(lists);
    options.statusFile = toPath(path("status"));
    options.outputJsonl = toPath(path("i18n.jsonl"));
    options.outputCorpus = toPath(path("i18n.txt"));
    const DebianDatasetReport report = buildDebianPackagesDataset(options);

    QCOMPARE(readFile(options.outputJsonl),
             QByteArray(R"({"instruction":"What is the Debian package delta for?","context":"",)"
                        R"("response":"Delta computes.\n\nSecond paragraph.",)"
                        R"("category":"science"})"
                        "\n"
                        R"({"instruction":"What is the Debian package gamma for?","context":"",)"
                        R"("response":"Gamma talks to many servers.","category":"net"})"
                        "\n"));
    QCOMPARE(readFile(options.outputCorpus),
             QByteArray("Delta computes.\nSecond paragraph.\nGamma talks to many servers.\n"));
    QCOMPARE(report.corpusLines, 3u);
    QCOMPARE(report.filesRead.size(), 3u); // translation, list, status
    QCOMPARE(report.filesSkipped.size(), 1u);
    QCOMPARE(report.stanzas, 5u);
    QCOMPARE(report.withoutLongDescription, 1u); // epsilon
    QCOMPARE(report.conflicting, 1u);
    QCOMPARE(report.packages, 2u);
}

void TestData::debianSampleIsDeterministic()
{
    QByteArray list;
    for (int i = 0; i < 60; ++i) {
        list += "Package: pkg" + QByteArray::number(i) + "\nSection: misc\nDescription: P\n"
              + " Package number " + QByteArray::number(i) + ".\n\n";
    }
    const QString lists = path("lists-sample");
    QDir().mkpath(lists);
    writeFile(lists + "/s_Packages", list);

    // Each build overwrites the same file, as a rerun of the CLI would.
    const auto build = [&](std::size_t n, std::uint64_t seed) {
        DebianDatasetOptions options;
        options.listsDir = toPath(lists);
        options.statusFile.clear();
        options.outputJsonl = toPath(path("sample.jsonl"));
        options.sampleSize = n;
        options.seed = seed;
        buildDebianPackagesDataset(options);
        return readFile(options.outputJsonl);
    };
    const QByteArray first = build(10, 0);
    QCOMPARE(first.count('\n'), 10);
    QCOMPARE(build(10, 0), first);
    QVERIFY(build(10, 5) != first);
    const QByteArray all = build(0, 0);
    QCOMPARE(all.count('\n'), 60);
    QCOMPARE(build(100, 0), all);

    // Sorted by name, ten distinct packages.
    QStringList names;
    for (const QByteArray& line : first.split('\n')) {
        if (!line.isEmpty())
            names << QJsonDocument::fromJson(line).object().value("instruction").toString();
    }
    QCOMPARE(names.size(), 10);
    QStringList sorted = names;
    std::sort(sorted.begin(), sorted.end(),
              [](const QString& a, const QString& b) { return a.toUtf8() < b.toUtf8(); });
    QCOMPARE(names, sorted);
    QCOMPARE(QSet<QString>(names.begin(), names.end()).size(), 10);
}

void TestData::debianErrors()
{
    DebianDatasetOptions options;
    options.listsDir = toPath(path("no-such-dir"));
    options.statusFile = toPath(path("no-such-status"));
    options.outputJsonl = toPath(path("x.jsonl"));
    QString message = errorOf([&] { buildDebianPackagesDataset(options); });
    QVERIFY2(message.contains("no package list") && message.contains("apt-get update"),
             qPrintable(message));

    const QString lists = path("lists-short");
    QDir().mkpath(lists);
    writeFile(lists + "/x_Packages", "Package: a\nDescription: short\nDescription-md5: 1\n");
    options.listsDir = toPath(lists);
    message = errorOf([&] { buildDebianPackagesDataset(options); });
    QVERIFY2(message.contains("Translation-en") && message.contains("Acquire::Languages"),
             qPrintable(message));

    // A damaged compressed list is an error naming it, not a silently smaller dataset.
    const QByteArray gz = compressWith("gzip", kMainList);
    const QByteArray lz4 = compressWith("lz4", kMainList);
    for (const auto& [name, data] : {std::pair{QString("x_Packages.gz"), gz},
                                     std::pair{QString("x_Packages.lz4"), lz4}}) {
        if (data.isEmpty())
            continue;
        QFile::remove(lists + "/x_Packages");
        writeFile(lists + "/" + name, data.left(data.size() / 2));
        message = errorOf([&] { buildDebianPackagesDataset(options); });
        QVERIFY2(message.contains(name) && message.contains("re-fetch"), qPrintable(message));
        QFile::remove(lists + "/" + name);
    }
    QVERIFY(!QFile::exists(path("x.jsonl")));
}

void TestData::debianRealLists()
{
    const QDir lists("/var/lib/apt/lists");
    const bool haveLists = !lists.entryList({"*_Packages*"}, QDir::Files).isEmpty();
    if (!haveLists && !QFile::exists("/var/lib/dpkg/status"))
        QSKIP("no apt lists in /var/lib/apt/lists and no /var/lib/dpkg/status on this machine");

    DebianDatasetOptions options; // the machine's own lists and status file
    options.outputJsonl = toPath(path("real.jsonl"));
    options.outputCorpus = toPath(path("real.txt"));
    DebianDatasetReport report;
    const QString message = errorOf([&] { report = buildDebianPackagesDataset(options); });
    if (message.contains("none of the"))
        QSKIP(qPrintable("this machine's lists hold no long description: " + message));
    QVERIFY2(message.isEmpty(), qPrintable(message));
    QVERIFY(report.written > 0);
    QCOMPARE(report.written, report.packages);

    const QByteArray jsonl = readFile(options.outputJsonl);
    QString previous;
    int records = 0;
    for (const QByteArray& line : jsonl.split('\n')) {
        if (line.isEmpty())
            continue;
        QJsonParseError error;
        const QJsonObject record = QJsonDocument::fromJson(line, &error).object();
        QVERIFY2(error.error == QJsonParseError::NoError, line.constData());
        QCOMPARE(record.keys(), QStringList({"category", "context", "instruction", "response"}));
        QVERIFY(!record.value("response").toString().isEmpty());
        const QString instruction = record.value("instruction").toString();
        QVERIFY2(previous.isEmpty() || previous.toUtf8() < instruction.toUtf8(),
                 qPrintable(previous + " / " + instruction));
        previous = instruction;
        ++records;
    }
    QCOMPARE(std::size_t(records), report.written);
    QVERIFY(report.corpusLines >= report.written);

    // The same machine gives the same sample twice.
    options.sampleSize = 50;
    options.outputJsonl = toPath(path("real-sample-1.jsonl"));
    buildDebianPackagesDataset(options);
    const QByteArray once = readFile(options.outputJsonl);
    options.outputJsonl = toPath(path("real-sample-2.jsonl"));
    buildDebianPackagesDataset(options);
    QCOMPARE(readFile(options.outputJsonl), once);
    QCOMPARE(once.count('\n'), qsizetype(std::min<std::size_t>(50, report.written)));
}

QTEST_MAIN(TestData)
#include "tst_data.moc"
