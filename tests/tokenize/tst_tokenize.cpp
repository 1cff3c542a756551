// Tokenizers as their originals behave: GPT-2's byte-level BPE from all three file layouts
// (ids checked against an independent Python reference), SentencePiece trained and loaded,
// and the errors a user sees for files that are missing, malformed or unsupported.

#include "tokenize/bpe_files.h"
#include "tokenize/sentencepiece_tokenizer.h"
#include "tokenize/tokenizer.h"
#include "util/error.h"

#include "test_env.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QMap>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <functional>
#include <random>
#include <string_view>
#include <thread>

using namespace std::literals;
using cpo::tokenize::TokenId;
using Ids = QList<int>;
using Files = QMap<QString, QByteArray>;

namespace {

constexpr char kNoData[] = "GPT-2 BPE test data not found: set CPO_TEST_DATA_DIR to "
                           "../shared/data (with gpt2-bpe/ and wikitext-2/)";
constexpr TokenId kEndOfText = 50256;

std::filesystem::path toPath(const QString& path)
{
    return std::filesystem::path(path.toStdString());
}

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeFile(const QString& path, const QByteArray& contents)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(contents) == contents.size();
}

Ids toIds(const std::vector<TokenId>& ids) { return Ids(ids.begin(), ids.end()); }

std::string toStd(const QByteArray& bytes) { return std::string(bytes.constData(), bytes.size()); }

// The message of the cpo::Error that CALL throws, or an empty string when it throws none.
QString errorOf(const std::function<void()>& call)
{
    try {
        call();
    } catch (const cpo::Error& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

// FNV-1a over the ids, as gpt2_bpe_reference.py computes it.
std::uint64_t checksum(const std::vector<TokenId>& ids)
{
    std::uint64_t hash = 14695981039346656037u;
    for (const TokenId id : ids)
        hash = (hash ^ std::uint64_t(id)) * 1099511628211u;
    return hash;
}

void addGolden(const char* name, std::string_view text, Ids ids)
{
    QTest::newRow(name) << QByteArray(text.data(), qsizetype(text.size())) << ids;
}

} // namespace

class TokenizeTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void knownIds_data();
    void knownIds();
    void goldenIds_data();
    void goldenIds();
    void roundTripsWikitext();
    void encodesWikitextLikeReference();
    void invalidUtf8RoundTrips_data();
    void invalidUtf8RoundTrips();
    void randomBytesRoundTrip();
    void specialTokens();
    void decodeRejectsUnknownIds();
    void layoutsAgree_data();
    void layoutsAgree();
    void sharedAcrossThreads();

    void sentencePiece_data();
    void sentencePiece();
    void sentencePieceTrainingErrors();

    void loadErrors_data();
    void loadErrors();

private:
    void writeLayouts();
    QByteArray wikitext() const;

    QString m_bpeDir;
    QString m_wikitextPath;
    std::unique_ptr<cpo::tokenize::Tokenizer> m_gpt2;
    QTemporaryDir m_layouts; // the same vocabulary written in the other layouts
};

void TokenizeTest::initTestCase()
{
    const QString data = cpo::test::sharedDataDir();
    if (data.isEmpty() || !QFile::exists(data + "/gpt2-bpe/encoder.json")
        || !QFile::exists(data + "/wikitext-2/valid.txt"))
        return; // each case that needs the data skips with kNoData
    m_bpeDir = data + "/gpt2-bpe";
    m_wikitextPath = data + "/wikitext-2/valid.txt";
    m_gpt2 = cpo::tokenize::loadTokenizer(toPath(m_bpeDir));
    QVERIFY(m_layouts.isValid());
    writeLayouts();
}

// vocab.json + merges.txt are OpenAI's two files renamed; the tokenizer.json files carry the
// same vocabulary with merges in both of HF's spellings and <|endoftext|> as an added token.
void TokenizeTest::writeLayouts()
{
    const QString hf = m_layouts.filePath("hf");
    QVERIFY(QDir().mkpath(hf));
    QVERIFY(QFile::copy(m_bpeDir + "/encoder.json", hf + "/vocab.json"));
    QVERIFY(QFile::copy(m_bpeDir + "/vocab.bpe", hf + "/merges.txt"));

    const QJsonObject vocab =
        QJsonDocument::fromJson(readAll(m_bpeDir + "/encoder.json")).object();
    QJsonArray stringMerges;
    QJsonArray arrayMerges;
    const QList<QByteArray> lines = readAll(m_bpeDir + "/vocab.bpe").split('\n');
    for (const QByteArray& line : lines) {
        if (line.isEmpty() || line.startsWith("#version"))
            continue;
        const QString merge = QString::fromUtf8(line);
        stringMerges.append(merge);
        arrayMerges.append(QJsonArray::fromStringList(merge.split(' ')));
    }
    const QJsonObject endOfText{{"id", kEndOfText}, {"content", "<|endoftext|>"},
                                {"special", true}, {"normalized", true}};
    for (const auto& [name, merges] : {std::pair{"json-strings", stringMerges},
                                       std::pair{"json-arrays", arrayMerges}}) {
        const QJsonObject model{{"type", "BPE"}, {"dropout", QJsonValue::Null},
                                {"continuing_subword_prefix", ""}, {"end_of_word_suffix", ""},
                                {"vocab", vocab}, {"merges", merges}};
        const QJsonObject byteLevel{{"type", "ByteLevel"}, {"add_prefix_space", false},
                                    {"trim_offsets", true}, {"use_regex", true}};
        const QJsonObject root{{"version", "1.0"}, {"added_tokens", QJsonArray{endOfText}},
                               {"normalizer", QJsonValue::Null}, {"pre_tokenizer", byteLevel},
                               {"decoder", byteLevel}, {"model", model}};
        QVERIFY(QDir().mkpath(m_layouts.filePath(name)));
        QVERIFY(writeFile(m_layouts.filePath(QString(name) + "/tokenizer.json"),
                          QJsonDocument(root).toJson(QJsonDocument::Compact)));
    }
}

QByteArray TokenizeTest::wikitext() const { return readAll(m_wikitextPath); }

// The facts ../shared/data/README.md states for GPT-2's vocabulary.
void TokenizeTest::knownIds_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("parseSpecial");
    QTest::addColumn<Ids>("ids");
    QTest::newRow("Hello world") << QByteArray("Hello world") << false << Ids{15496, 995};
    QTest::newRow("the") << QByteArray(" the") << false << Ids{262};
    QTest::newRow("endoftext special") << QByteArray("<|endoftext|>") << true << Ids{kEndOfText};
    QTest::newRow("endoftext as text")
        << QByteArray("<|endoftext|>") << false << Ids{27, 91, 437, 1659, 5239, 91, 29};
    QTest::newRow("empty") << QByteArray() << false << Ids{};
}

void TokenizeTest::knownIds()
{
    if (!m_gpt2)
        QSKIP(kNoData);
    QFETCH(QByteArray, text);
    QFETCH(bool, parseSpecial);
    QFETCH(Ids, ids);
    QCOMPARE(toIds(m_gpt2->encode(toStd(text), parseSpecial)), ids);
}

// Expected ids come from tests/golden/gpt2_bpe_reference.py, an independent Python version of
// OpenAI's encoder.py run with the `regex` module (exact ids, no tolerance). Regenerate with
//     python3 tests/golden/gpt2_bpe_reference.py ../shared/data/gpt2-bpe
// and paste its output below. The whitespace rows pin down GPT-2's \s (Unicode White_Space:
// U+0085 and U+00A0 are spaces, U+180E is not); the long word takes the many-merges path.
void TokenizeTest::goldenIds_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<Ids>("ids");
    // clang-format off
    addGolden("hello",
              "Hello world"sv,
              {15496, 995});
    addGolden("accents",
              "Caf\303\251 na\303\257ve fa\303\247ade, cr\303\250me br\303\273l\303\251e \303"
              "\240 Z\303\274rich; r\303\251sum\303\251"sv,
              {34, 1878, 2634, 41492, 24685, 16175, 671, 11, 1067, 14064, 1326, 865, 42324, 75,
               22161, 28141, 1168, 9116, 7527, 26, 40560, 16345, 2634});
    addGolden("combining mark",
              "e\314\201te\314\201 cafe\314\201"sv,
              {68, 136, 223, 660, 136, 223, 26725, 136, 223});
    addGolden("cjk",
              "\346\227\245\346\234\254\350\252\236\343\201\256\343\203\206\343\202\255\343\202"
              "\271\343\203\210\343\200\201\344\270\255\346\226\207\345\255\227\347\254\246\343"
              "\200\202\355\225\234\352\265\255\354\226\264 \355\205\215\354\212\244\355\212"
              "\270"sv,
              {33768, 98, 17312, 105, 45739, 252, 5641, 24336, 25084, 43302, 23513, 40792, 23877,
               229, 27764, 245, 163, 105, 99, 16764, 47991, 250, 166, 113, 255, 168, 244, 112,
               220, 169, 227, 235, 168, 232, 97, 169, 232, 116});
    addGolden("emoji",
              "I \342\235\244\357\270\217 \360\237\246\200 and \360\237\221\250\342\200\215\360"
              "\237\221\251\342\200\215\360\237\221\247 family \360\237\216\211\360\237\216\211"sv,
              {40, 43074, 97, 37929, 12520, 99, 222, 290, 50169, 101, 447, 235, 41840, 102, 447,
               235, 41840, 100, 1641, 12520, 236, 231, 8582, 236, 231});
    addGolden("control characters",
              "tab\011here\015\012nul\000bell\007esc\033[0m\177"sv,
              {8658, 197, 1456, 201, 198, 77, 377, 188, 7923, 195, 3798, 215, 58, 15, 76, 221});
    addGolden("runs of spaces",
              "a  b   c    d     e"sv,
              {64, 220, 275, 220, 220, 269, 220, 220, 220, 288, 220, 220, 220, 220, 304});
    addGolden("leading and trailing spaces",
              "   leading and trailing   "sv,
              {220, 220, 3756, 290, 25462, 220, 220, 220});
    addGolden("newlines",
              "\012\012\012first\012\012second\012 \012  third\012"sv,
              {628, 198, 11085, 198, 198, 12227, 198, 220, 198, 220, 2368, 198});
    addGolden("indented code",
              "def f(x):\012    return x  # comment\012\011pass\012"sv,
              {4299, 277, 7, 87, 2599, 198, 220, 220, 220, 1441, 2124, 220, 1303, 2912, 198, 197,
               6603, 198});
    addGolden("unicode spaces",
              "a\302\240b\343\200\200c\342\200\250d\342\200\211e\302\205f"sv,
              {64, 1849, 65, 5099, 222, 66, 447, 101, 67, 447, 231, 68, 126, 227, 69});
    addGolden("space before unicode spaces",
              "a \302\205b \302\240c \343\200\200d \342\200\250e\302\205\302\205f \341\240\216g"sv,
              {64, 220, 126, 227, 65, 220, 1849, 66, 220, 5099, 222, 67, 220, 447, 101, 68, 126,
               227, 126, 227, 69, 28053, 254, 236, 70});
    addGolden("contractions",
              "it's we'll they're I've I'm you'd don't"sv,
              {270, 338, 356, 1183, 484, 821, 314, 1053, 314, 1101, 345, 1549, 836, 470});
    addGolden("uppercase contractions",
              "IT'S WE'LL THEY'RE I'VE I'M YOU'D DON'T"sv,
              {2043, 6, 50, 12887, 6, 3069, 33302, 6, 2200, 314, 6, 6089, 314, 6, 44, 7013, 6,
               35, 23917, 6, 51});
    addGolden("contraction edges",
              "'s 's'll ''s rock'n'roll O'Neil's '"sv,
              {338, 705, 82, 1183, 10148, 82, 3881, 6, 77, 6, 2487, 440, 6, 29354, 338, 705});
    addGolden("numbers",
              "3.14159 12345678 1,000,000 2024-01-01 0x1F 1e-9"sv,
              {18, 13, 1415, 19707, 17031, 2231, 30924, 352, 11, 830, 11, 830, 48609, 12, 486,
               12, 486, 657, 87, 16, 37, 352, 68, 12, 24});
    addGolden("unicode numbers",
              "\331\243\331\244\331\245 \302\275 \302\262 \342\205\253 \342\221\240\342\221\241"sv,
              {149, 96, 149, 97, 149, 98, 25208, 1587, 110, 2343, 227, 104, 2343, 239, 254, 158,
               239, 94});
    addGolden("punctuation runs",
              "!!!??? ... --- === <<>> @#$%^&*()"sv,
              {10185, 28358, 2644, 11420, 24844, 9959, 4211, 2488, 29953, 4, 61, 5, 9, 3419});
    addGolden("repeated letters",
              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"sv,
              {24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794});
    addGolden("endoftext as text",
              "<|endoftext|>"sv,
              {27, 91, 437, 1659, 5239, 91, 29});
    addGolden("wikitext heading",
              " = Robert Boulter = \012"sv,
              {796, 5199, 347, 2852, 353, 796, 220, 198});
    addGolden("long word",
              "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42m"
              "NkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="sv,
              {7890, 25, 9060, 14, 11134, 26, 8692, 2414, 11, 72, 44526, 1581, 86, 15, 42, 38,
               2188, 29697, 1565, 12564, 71, 19684, 70, 17922, 36, 17922, 2749, 4792, 17922, 69,
               37, 66, 50, 41, 29697, 2885, 47920, 36, 48, 13024, 3682, 76, 45, 74, 56, 2725, 69,
               35, 86, 32, 1925, 86, 9273, 1899, 68, 21, 10025, 17922, 33, 44817, 52, 20, 9139,
               74, 41, 1130, 70, 855});
    // clang-format on
}

void TokenizeTest::goldenIds()
{
    if (!m_gpt2)
        QSKIP(kNoData);
    QFETCH(QByteArray, text);
    QFETCH(Ids, ids);
    const std::vector<TokenId> encoded = m_gpt2->encode(toStd(text));
    QCOMPARE(toIds(encoded), ids);
    QCOMPARE(m_gpt2->decode(encoded), toStd(text));
}

void TokenizeTest::roundTripsWikitext()
{
    if (!m_gpt2)
        QSKIP(kNoData);
    const QList<QByteArray> lines = wikitext().split('\n');
    QVERIFY(lines.size() > 1000);
    int failures = 0;
    for (const QByteArray& line : lines) {
        const std::string text = toStd(line);
        if (m_gpt2->decode(m_gpt2->encode(text)) != text && ++failures <= 3)
            qWarning() << "round trip differs for line" << line;
    }
    QCOMPARE(failures, 0);
}

// All of valid.txt (1.1 MB) at once with a fresh tokenizer (an empty cache), then again. The
// count and checksum of its ids come from the Python reference, with D=../shared/data:
//     python3 tests/golden/gpt2_bpe_reference.py $D/gpt2-bpe $D/wikitext-2/valid.txt
void TokenizeTest::encodesWikitextLikeReference()
{
    constexpr std::size_t kWikitextTokens = 258659;
    constexpr std::uint64_t kWikitextChecksum = 4620318640269766097u;
    if (!m_gpt2)
        QSKIP(kNoData);
    const auto tokenizer = cpo::tokenize::loadTokenizer(toPath(m_bpeDir));
    const std::string text = toStd(wikitext());
    QElapsedTimer timer;
    timer.start();
    const std::vector<TokenId> ids = tokenizer->encode(text);
    const qint64 coldMs = timer.restart();
    QCOMPARE(tokenizer->encode(text), ids);
    const qint64 warmMs = timer.elapsed();
    qInfo("encoded %zu bytes into %zu tokens: %lld ms with an empty cache, %lld ms warm",
          text.size(), ids.size(), coldMs, warmMs);
    QCOMPARE(ids.size(), kWikitextTokens);
    QCOMPARE(checksum(ids), kWikitextChecksum);
    QCOMPARE(tokenizer->decode(ids), text);
    QVERIFY2(coldMs < 10000, "encoding 1.1 MB should take well under a few seconds");
}

// Invalid UTF-8 is never matched by the pre-tokenizer: each run of invalid bytes becomes a
// pre-token of its own (see ByteLevelBpe), so nothing throws and every byte comes back.
void TokenizeTest::invalidUtf8RoundTrips_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<Ids>("ids");
    // Expected ids: the reference's encode() on the valid parts and its bpe() on each run of
    // invalid bytes mapped through bytes_to_unicode, the rule ByteLevelBpe documents.
    QTest::newRow("lone 0xff") << QByteArray("\xff") << Ids{187};
    QTest::newRow("truncated sequence") << QByteArray("caf\xc3") << Ids{66, 1878, 127};
    QTest::newRow("between words") << QByteArray("a\xff b") << Ids{64, 187, 275};
    QTest::newRow("surrogate") << QByteArray("\xed\xa0\x80") << Ids{169, 254, 222};
    QTest::newRow("overlong slash") << QByteArray("\xc0\xaf") << Ids{124, 107};
    QTest::newRow("after a space") << QByteArray(" \xfe\xfe") << Ids{220, 186, 186};
}

void TokenizeTest::invalidUtf8RoundTrips()
{
    if (!m_gpt2)
        QSKIP(kNoData);
    QFETCH(QByteArray, text);
    QFETCH(Ids, ids);
    std::vector<TokenId> encoded;
    try {
        encoded = m_gpt2->encode(toStd(text));
    } catch (const std::exception& e) {
        QFAIL(e.what());
    }
    QCOMPARE(toIds(encoded), ids);
    QCOMPARE(m_gpt2->decode(encoded), toStd(text));
}

void TokenizeTest::randomBytesRoundTrip()
{
    if (!m_gpt2)
        QSKIP(kNoData);
    std::mt19937 random(20240601);
    for (int sample = 0; sample < 200; ++sample) {
        std::string bytes(random() % 64, '\0');
        for (char& byte : bytes)
            byte = char(random() % 256);
        QCOMPARE(m_gpt2->decode(m_gpt2->encode(bytes, sample % 2 == 0)), bytes);
    }
}

void TokenizeTest::specialTokens()
{
    if (!m_gpt2)
        QSKIP(kNoData);
    QCOMPARE(m_gpt2->eosId(), std::optional<TokenId>(kEndOfText));
    QCOMPARE(m_gpt2->bosId(), std::optional<TokenId>());
    QCOMPARE(m_gpt2->vocabSize(), 50257);
    const std::string text = "Hello<|endoftext|> world<|endoftext|><|endoftext|>";
    const Ids withSpecial = toIds(m_gpt2->encode(text, true));
    QCOMPARE(withSpecial, (Ids{15496, kEndOfText, 995, kEndOfText, kEndOfText}));
    QCOMPARE(m_gpt2->decode(m_gpt2->encode(text, true)), text);
    QVERIFY(!toIds(m_gpt2->encode(text, false)).contains(kEndOfText));
    QVERIFY(m_gpt2->describe().find("50257") != std::string::npos);
}

void TokenizeTest::decodeRejectsUnknownIds()
{
    if (!m_gpt2)
        QSKIP(kNoData);
    for (const TokenId id : {-1, 50257, 1 << 30}) {
        const std::vector<TokenId> ids{id};
        const QString message = errorOf([&] { m_gpt2->decode(ids); });
        QVERIFY2(message.contains(QString::number(id)), qPrintable(message));
    }
}

void TokenizeTest::layoutsAgree_data()
{
    QTest::addColumn<QString>("path");
    QTest::newRow("vocab.json + merges.txt") << QStringLiteral("hf");
    QTest::newRow("tokenizer.json, merges as strings") << QStringLiteral("json-strings");
    QTest::newRow("tokenizer.json, merges as arrays") << QStringLiteral("json-arrays");
    QTest::newRow("tokenizer.json file") << QStringLiteral("json-arrays/tokenizer.json");
    QTest::newRow("merges.txt file") << QStringLiteral("hf/merges.txt");
}

void TokenizeTest::layoutsAgree()
{
    if (!m_gpt2)
        QSKIP(kNoData);
    QFETCH(QString, path);
    const auto tokenizer = cpo::tokenize::loadTokenizer(toPath(m_layouts.filePath(path)));
    QCOMPARE(tokenizer->vocabSize(), m_gpt2->vocabSize());
    QCOMPARE(tokenizer->eosId(), m_gpt2->eosId());
    QList<QByteArray> texts = wikitext().left(200'000).split('\n');
    texts << "<|endoftext|>" << "a<|endoftext|>b" << "IT'S 3.14 \xf0\x9f\xa6\x80 \xff";
    for (const QByteArray& line : texts) {
        const std::string text = toStd(line);
        for (const bool parseSpecial : {false, true})
            QCOMPARE(tokenizer->encode(text, parseSpecial), m_gpt2->encode(text, parseSpecial));
    }
}

// One tokenizer, several threads encoding at once: the merge cache must hold up.
void TokenizeTest::sharedAcrossThreads()
{
    if (!m_gpt2)
        QSKIP(kNoData);
    const auto tokenizer = cpo::tokenize::loadTokenizer(toPath(m_bpeDir));
    const QList<QByteArray> lines = wikitext().left(300'000).split('\n');
    std::vector<std::vector<TokenId>> expected;
    for (const QByteArray& line : lines)
        expected.push_back(m_gpt2->encode(toStd(line)));
    constexpr int kThreads = 4;
    std::vector<int> mismatches(kThreads, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            // Each thread walks the lines from a different start so that they race on inserts.
            for (qsizetype i = 0; i < lines.size(); ++i) {
                const qsizetype line = (i + t * lines.size() / kThreads) % lines.size();
                mismatches[t] += tokenizer->encode(toStd(lines[line])) != expected[line];
            }
        });
    for (std::thread& thread : threads)
        thread.join();
    QCOMPARE(mismatches, std::vector<int>(kThreads, 0));
}

void TokenizeTest::sentencePiece_data()
{
    QTest::addColumn<int>("vocabSize");
    QTest::addColumn<bool>("byteFallback");
    QTest::newRow("200 pieces") << 200 << false;
    QTest::newRow("320 pieces, byte fallback") << 320 << true;
    QTest::newRow("more pieces than the corpus fills") << 2000 << false;
}

// A tiny model trained here on a generated corpus: training, loading and the round trip.
void TokenizeTest::sentencePiece()
{
    QFETCH(int, vocabSize);
    QFETCH(bool, byteFallback);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QStringList words{"the", "model", "learns", "to", "prefer", "ground", "truth",
                            "over", "negative", "samples", "with", "a", "contrastive", "loss",
                            "of", "rank", "and", "beta", "2024", "3.5", "(K=4),", "token."};
    std::mt19937 random(7);
    QByteArray corpus;
    for (int line = 0; line < 2000; ++line) {
        QStringList sentence;
        for (unsigned n = 3 + random() % 10; n > 0; --n)
            sentence << words[qsizetype(random() % unsigned(words.size()))];
        corpus += sentence.join(' ').toUtf8() + '\n';
    }
    QVERIFY(writeFile(dir.filePath("corpus.txt"), corpus));

    cpo::tokenize::SentencePieceTrainingOptions options;
    options.corpus = toPath(dir.filePath("corpus.txt"));
    options.modelPrefix = toPath(dir.filePath("tokenizer"));
    options.vocabSize = vocabSize;
    options.byteFallback = byteFallback;
    const std::filesystem::path model = cpo::tokenize::trainSentencePiece(options);
    QCOMPARE(model, toPath(dir.filePath("tokenizer.model")));

    for (const std::filesystem::path& path : {toPath(dir.path()), model}) {
        const auto tokenizer = cpo::tokenize::loadTokenizer(path);
        QCOMPARE(tokenizer->bosId(), std::optional<TokenId>(1));
        QCOMPARE(tokenizer->eosId(), std::optional<TokenId>(2));
        QVERIFY(tokenizer->vocabSize() <= vocabSize);
        for (const std::string& text : {"the model learns to prefer ground truth"s,
                                       "  two  spaces, rank 2024 and (K=4)."s, ""s}) {
            const std::vector<TokenId> ids = tokenizer->encode(text);
            QVERIFY(ids.size() < text.size() || text.empty());
            QCOMPARE(tokenizer->decode(ids), text);
        }
        const std::vector<TokenId> special = tokenizer->encode("<s>the loss</s>", true);
        QCOMPARE(special.front(), 1);
        QCOMPARE(special.back(), 2);
        QVERIFY(!toIds(tokenizer->encode("<s>the loss</s>", false)).contains(1));
        if (byteFallback) // an unseen character comes back through its byte pieces
            QCOMPARE(tokenizer->decode(tokenizer->encode("\xe2\x9d\xa4")), "\xe2\x9d\xa4"s);
        // SentencePiece reads invalid UTF-8 as U+FFFD: lossy, but no error and no crash.
        QCOMPARE(tokenizer->decode(tokenizer->encode("ab\xff")).substr(0, 2), "ab"s);
    }
}

void TokenizeTest::sentencePieceTrainingErrors()
{
    QTemporaryDir dir;
    cpo::tokenize::SentencePieceTrainingOptions options;
    options.corpus = toPath(dir.filePath("missing.txt"));
    options.modelPrefix = toPath(dir.filePath("m"));
    QString message = errorOf([&] { cpo::tokenize::trainSentencePiece(options); });
    QVERIFY2(message.contains("missing.txt"), qPrintable(message));

    QVERIFY(writeFile(dir.filePath("corpus.txt"), "some text\n"));
    options.corpus = toPath(dir.filePath("corpus.txt"));
    options.vocabSize = 200;
    message = errorOf([&] { cpo::tokenize::trainSentencePiece(options); });
    QVERIFY2(message.contains("byte fallback"), qPrintable(message));
}

void TokenizeTest::loadErrors_data()
{
    QTest::addColumn<Files>("files");
    QTest::addColumn<QString>("target"); // relative to the folder holding FILES
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("missing folder") << Files{} << "nowhere" << QStringList{"nowhere", "exist"};
    QTest::newRow("folder without tokenizer")
        << Files{{"README.md", "hi"}} << ""
        << QStringList{"no tokenizer in folder", "tokenizer.model", "vocab.json + merges.txt",
                       "encoder.json + vocab.bpe"};
    QTest::newRow("malformed JSON")
        << Files{{"tokenizer.json", "{\"model\": {"}} << ""
        << QStringList{"tokenizer.json", "not valid JSON"};
    QTest::newRow("unsupported model type")
        << Files{{"tokenizer.json", R"({"model": {"type": "WordPiece", "vocab": {}}})"}} << ""
        << QStringList{"tokenizer.json", "model.type", "WordPiece"};
    QTest::newRow("unsupported pre-tokenizer")
        << Files{{"tokenizer.json", R"({"model": {"type": "BPE", "vocab": {}, "merges": []},
                                       "pre_tokenizer": {"type": "Metaspace"}})"}}
        << "tokenizer.json" << QStringList{"tokenizer.json", "pre_tokenizer", "Metaspace"};
    QTest::newRow("unsupported normalizer")
        << Files{{"tokenizer.json", R"({"model": {"type": "BPE", "vocab": {}, "merges": []},
                                       "normalizer": {"type": "NFC"},
                                       "pre_tokenizer": {"type": "ByteLevel"}})"}}
        << "" << QStringList{"tokenizer.json", "normalizer", "NFC"};
    QTest::newRow("vocabulary without bytes")
        << Files{{"tokenizer.json", R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []},
                                       "pre_tokenizer": {"type": "ByteLevel"}})"}}
        << "" << QStringList{"tokenizer.json", "byte 0x00"};
    QTest::newRow("field of the wrong type")
        << Files{{"tokenizer.json", R"({"model": {"type": "BPE", "vocab": {}, "merges": []},
                                       "pre_tokenizer": {"type": "ByteLevel",
                                                         "add_prefix_space": "yes"}})"}}
        << "" << QStringList{"tokenizer.json", "unexpected content", "boolean"};
    QTest::newRow("negative id")
        << Files{{"tokenizer.json", R"({"model": {"type": "BPE", "vocab": {"a": -1}, "merges": []},
                                       "pre_tokenizer": {"type": "ByteLevel"}})"}}
        << "" << QStringList{"tokenizer.json", "'a'", "-1"};
    QTest::newRow("malformed merges")
        << Files{{"vocab.json", "{\"a\": 0}"}, {"merges.txt", "#version: 0.2\na b c\n"}} << ""
        << QStringList{"merges.txt", "line 2", "a b c"};
    QTest::newRow("vocab.json not an object")
        << Files{{"encoder.json", "[1, 2]"}, {"vocab.bpe", "#version: 0.2\n"}} << ""
        << QStringList{"encoder.json", "JSON object"};
    QTest::newRow("broken SentencePiece model")
        << Files{{"tokenizer.model", "not a protobuf"}} << ""
        << QStringList{"tokenizer.model", "SentencePiece"};
    // Found by fuzz_sentencepiece: a piece of zero length made libsentencepiece throw (its
    // darts_clone trie) through the module, past every cpo::Error handler.
    QTest::newRow("SentencePiece model with an empty piece")
        << Files{{"tokenizer.model",
                  QByteArray::fromBase64("Cg4KBTx1bms+FQAAAAAYAgoMCgM8cz4VAAAAABgHCg0KBDwvcz4VAAAA"
                                         "ABgDCgoKAwAAPhUAAAAA")}}
        << "" << QStringList{"tokenizer.model", "SentencePiece", "zero-length key"};
    QTest::newRow("unknown file") << Files{{"notes.txt", "hi"}} << "notes.txt"
                                  << QStringList{"notes.txt", "not a tokenizer file"};
}

void TokenizeTest::loadErrors()
{
    QFETCH(Files, files);
    QFETCH(QString, target);
    QFETCH(QStringList, expected);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    for (auto it = files.cbegin(); it != files.cend(); ++it)
        QVERIFY(writeFile(dir.filePath(it.key()), it.value()));
    const QString message =
        errorOf([&] { cpo::tokenize::loadTokenizer(toPath(dir.filePath(target))); });
    QVERIFY2(!message.isEmpty(), "expected a cpo::Error");
    for (const QString& part : expected)
        QVERIFY2(message.contains(part), qPrintable(message + "\n  lacks: " + part));
}

QTEST_MAIN(TokenizeTest)
#include "tst_tokenize.moc"
