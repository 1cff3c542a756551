// Inputs a hostile or careless user hands `cpo` (the bad-input probe of issue 14, defects
// 9-13 and 15), run through the real binary: each is refused before any work with one line
// that names the file, field or flag, or is shown without harm.

#include "cli_runner.h"
#include "test_env.h"
#include "test_files.h"

#include "store/run_store.h"

#include <QtCore/QDir>
#include <QtCore/QJsonArray>
#include <QtCore/QFile>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <sqlite3.h>

#include <cstring>
#include <limits>

namespace {

using cpo::test::CliResult;
using cpo::test::runCpo;
using cpo::test::writeFile;

QString demoExperiment()
{
    return cpo::test::sourceDir() + "/experiments/demo-oracle.json";
}

// GPT-2's byte-level alphabet: printable bytes stand for themselves, the 68 others for the
// code points from 256 on, in byte order.
QString byteSpelling(int byte)
{
    static const QList<QChar> spellings = [] {
        QList<QChar> out;
        int next = 256;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
            out.append(QChar(printable ? b : next++));
        }
        return out;
    }();
    return QString(spellings[byte]);
}

// A vocab.json + merges.txt folder holding all 256 bytes and "ab", whose id is given as
// raw JSON text (to put numbers past 32 bits in it); `duplicateOf` gives "ab" the id of a
// byte token instead.
QString writeBpeFolder(const QTemporaryDir& dir, const QString& name, const QByteArray& abId)
{
    QJsonObject vocab;
    for (int byte = 0; byte < 256; ++byte)
        vocab[byteSpelling(byte)] = byte;
    QByteArray text = QJsonDocument(vocab).toJson(QJsonDocument::Compact);
    text.chop(1); // the closing brace: "ab" goes in as raw text
    text += ",\"ab\":" + abId + "}";
    const QString folder = dir.filePath(name);
    QDir().mkpath(folder);
    writeFile(folder + "/vocab.json", text);
    writeFile(folder + "/merges.txt", "#version: 0.2\na b\n");
    return folder;
}

// Overwrites the first value of a float32 tensor of a safetensors file with NaN; returns the
// tensor's name.
QString poisonFirstTensor(const QString& file)
{
    QFile weights(file);
    if (!weights.open(QIODevice::ReadWrite))
        return {};
    quint64 headerSize = 0;
    weights.read(reinterpret_cast<char*>(&headerSize), sizeof headerSize);
    const auto header = QJsonDocument::fromJson(weights.read(qint64(headerSize))).object();
    for (auto it = header.begin(); it != header.end(); ++it) {
        const auto tensor = it.value().toObject();
        if (it.key() == "__metadata__" || tensor["dtype"].toString() != "F32")
            continue;
        const qint64 begin = tensor["data_offsets"].toArray()[0].toInteger();
        const float nan = std::numeric_limits<float>::quiet_NaN();
        char bytes[sizeof nan];
        std::memcpy(bytes, &nan, sizeof nan);
        weights.seek(qint64(sizeof headerSize) + qint64(headerSize) + begin);
        weights.write(bytes, sizeof bytes);
        return it.key();
    }
    return {};
}

void execSql(const QString& db, const char* sql)
{
    sqlite3* handle = nullptr;
    QCOMPARE(sqlite3_open(db.toUtf8().constData(), &handle), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(handle, sql, nullptr, nullptr, &error);
    const QByteArray message = error ? error : "";
    sqlite3_free(error);
    sqlite3_close(handle);
    QVERIFY2(rc == SQLITE_OK, message.constData());
}

std::int64_t addRun(const QString& db, const std::string& name)
{
    cpo::store::RunStore store(db.toStdString());
    cpo::store::RunRecord run;
    run.name = name;
    run.status = cpo::store::RunStatus::Finished;
    run.experimentJson = "{}";
    run.createdAt = 1'700'000'000'000;
    run.finishedAt = run.createdAt + 1000;
    return store.createRun(run);
}

// `cpo init-model` of a tiny GPT-2 with a 64-token vocabulary into dir/NAME, `extra` added to
// its config (",\"eos_token_id\": 7"); what the command printed.
CliResult initTinyGpt2(const QTemporaryDir& dir, const QString& name, const QByteArray& extra = {})
{
    const QString config = dir.filePath(name + "-config.json");
    writeFile(config, R"({"vocab_size": 64, "n_embd": 16, "n_layer": 1, "n_head": 2,
                          "n_positions": 32)" + extra + "}");
    return runCpo({"init-model", "--arch", "gpt2", "--config", config, "--seed", "1", "--out",
                   dir.filePath(name)});
}

// Makes a folder read-only, for root too (chattr +i where chmod does not stop it); false
// when neither works on this machine.
bool makeReadOnly(const QString& folder)
{
    QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::ExeOwner);
    QFile probe(folder + "/probe");
    if (!probe.open(QIODevice::WriteOnly))
        return true;
    probe.close();
    probe.remove();
    return QProcess::execute("chattr", {"+i", folder}) == 0;
}

void makeWritable(const QString& folder)
{
    QProcess::execute("chattr", {"-i", folder});
    QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                      QFileDevice::ExeOwner);
}

} // namespace

class TestHostileInput : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void stepsScaleBeyondTheCapIsRefused_data();
    void stepsScaleBeyondTheCapIsRefused();
    void tokenIdsBeyond32BitsAreRefused_data();
    void tokenIdsBeyond32BitsAreRefused();
    void duplicateTokenIdsAreRefused();
    void hugeQueueGridIsRefusedBeforeExpanding();
    void endlessExperimentFileIsRefused();
    void controlCharactersInNamesArePrintedEscaped();
    void nanWeightsAreRefusedByTensorName();
    void rangeMessagesAreReadable();
    void emptyStoreFileListsAsEmpty();
    void mismatchedSchemaMarkIsExplained();
    void storeInReadOnlyFolderIsListed();
    void exportErrorsSayWhy();
    void initModelEndTokenFitsTheVocabulary();

private:
    QTemporaryDir m_dir;
};

void TestHostileInput::initTestCase()
{
    QVERIFY2(QFileInfo::exists(cpo::test::cliPath()), "CPO_CLI must point at the cpo binary");
    QVERIFY(m_dir.isValid());
}

void TestHostileInput::stepsScaleBeyondTheCapIsRefused_data()
{
    QTest::addColumn<QString>("factor");
    QTest::newRow("1e18 wrapped to one step") << "1e18";
    QTest::newRow("1e11 passed the 1e12 cap") << "1e11";
}

void TestHostileInput::stepsScaleBeyondTheCapIsRefused()
{
    QFETCH(QString, factor);
    const auto result = runCpo({"run", demoExperiment(), "--steps-scale", factor, "--db",
                                m_dir.filePath("scale.db"), "--out", m_dir.filePath("scale")});
    QVERIFY2(result.exitCode != 0, result.out.constData());
    QVERIFY2(result.err.contains("--steps-scale " + QByteArray::number(factor.toDouble(), 'g')),
             result.err.constData());
    QVERIFY2(result.err.contains("mle.steps") && result.err.contains("1e+12"),
             result.err.constData());
    QVERIFY(!QFileInfo::exists(m_dir.filePath("scale"))); // refused before any work
}

void TestHostileInput::tokenIdsBeyond32BitsAreRefused_data()
{
    QTest::addColumn<QByteArray>("id");
    QTest::newRow("2^32 + 60000 (read as 60000)") << QByteArray("4295027296");
    QTest::newRow("10^15 (shown negative)") << QByteArray("1000000000000000");
    QTest::newRow("past int64") << QByteArray("18446744073709551615");
}

void TestHostileInput::tokenIdsBeyond32BitsAreRefused()
{
    QFETCH(QByteArray, id);
    const auto folder = writeBpeFolder(m_dir, "bpe-" + id, id);
    const auto result = runCpo({"tokenize", "--tokenizer", folder, "--json"}, "ab\n");
    QVERIFY2(result.exitCode != 0, result.out.constData());
    QVERIFY2(result.err.contains("vocab.json") && result.err.contains("'ab' the id " + id),
             result.err.constData());
}

void TestHostileInput::duplicateTokenIdsAreRefused()
{
    const auto folder = writeBpeFolder(m_dir, "bpe-duplicate", "97"); // the id of "a"
    const auto result = runCpo({"tokenize", "--tokenizer", folder, "--json"}, "ab\n");
    QVERIFY2(result.exitCode != 0, result.out.constData());
    QVERIFY2(result.err.contains("both have the id 97"), result.err.constData());
}

void TestHostileInput::hugeQueueGridIsRefusedBeforeExpanding()
{
    // 10^8 combinations: expanding them ran until std::bad_alloc, even with --dry-run.
    QByteArray values = "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]";
    QByteArray grid;
    for (const char* key : {"seed", "mle.steps", "mle.batch_size", "mle.lr", "cpo.k",
                            "cpo.beta", "cpo.steps", "cpo.batch_size"})
        grid += QByteArray(grid.isEmpty() ? "" : ", ") + "\"" + key + "\": " + values;
    const QString queue = m_dir.filePath("huge-queue.json");
    writeFile(queue, "{\"experiment\": \"" + demoExperiment().toUtf8() + "\", \"grid\": {" +
                         grid + "}}");
    const auto result = runCpo({"runs", "queue", queue, "--dry-run", "--db",
                                m_dir.filePath("queue.db")});
    QVERIFY2(result.exitCode != 0, result.out.left(300).constData());
    QVERIFY2(result.err.contains("huge-queue.json") && result.err.contains("10000"),
             result.err.constData());
}

void TestHostileInput::endlessExperimentFileIsRefused()
{
    const auto result = runCpo({"run", "/dev/zero", "--db", m_dir.filePath("zero.db")});
    QVERIFY2(result.exitCode != 0, result.out.constData());
    QVERIFY2(result.err.contains("/dev/zero: larger than the 64 MiB"), result.err.constData());
}

void TestHostileInput::controlCharactersInNamesArePrintedEscaped()
{
    const QString db = m_dir.filePath("names.db");
    addRun(db, "evil\n99  fake  finished\x1b]0;owned\x07\x1b[31m\xc2\x9b" "2J");
    const auto list = runCpo({"runs", "list", "--db", db});
    QCOMPARE(list.exitCode, 0);
    QCOMPARE(list.out.count('\n'), 2); // the header and the one run: no faked row
    QVERIFY2(!list.out.contains('\x1b') && !list.out.contains('\x07') &&
                 !list.out.contains("\xc2\x9b"),
             list.out.constData());
    QVERIFY2(list.out.contains("evil\\n99  fake  finished\\x1b]0;owned\\x07\\x1b[31m\\u009b2J"),
             list.out.constData());
    const auto show = runCpo({"runs", "show", "1", "--db", db});
    QCOMPARE(show.exitCode, 0);
    QVERIFY2(!show.out.contains('\x1b') && show.out.startsWith("run 1: evil\\n99"),
             show.out.constData());
}

void TestHostileInput::nanWeightsAreRefusedByTensorName()
{
    const auto init = initTinyGpt2(m_dir, "nan-model");
    QVERIFY2(init.exitCode == 0, init.err.constData());
    const QString model = m_dir.filePath("nan-model");
    const QString tensor = poisonFirstTensor(model + "/model.safetensors");
    QVERIFY(!tensor.isEmpty());
    const auto result = runCpo({"logits", "--model", model, "--tokens", "1,2,3", "--json"});
    QVERIFY2(result.exitCode != 0, result.out.left(200).constData());
    QVERIFY2(result.err.contains("'" + tensor.toUtf8() + "' holds NaN"), result.err.constData());
}

void TestHostileInput::rangeMessagesAreReadable()
{
    const auto result = runCpo({"generate", "--model", "m", "--tokenizer", "t", "--prompt", "p",
                                "--max-new", "0"});
    QVERIFY(result.exitCode != 0);
    QVERIFY2(result.err.contains("--max-new: expected a number > 0, got 0"),
             result.err.constData());
    QVERIFY2(!result.err.contains("179769"), result.err.constData()); // DBL_MAX's digits
    const auto negative = runCpo({"generate", "--model", "m", "--tokenizer", "t", "--prompt",
                                  "p", "--temperature", "-1"});
    QVERIFY(negative.exitCode != 0);
    QVERIFY2(negative.err.contains("--temperature: expected a number >= 0, got -1"),
             negative.err.constData());
}

void TestHostileInput::emptyStoreFileListsAsEmpty()
{
    const QString db = m_dir.filePath("empty.db");
    writeFile(db, {});
    const auto result = runCpo({"runs", "list", "--db", db});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QVERIFY2(result.out.startsWith("no runs in"), result.out.constData());
}

void TestHostileInput::mismatchedSchemaMarkIsExplained()
{
    const QString db = m_dir.filePath("marked-v1.db");
    addRun(db, "kept");
    execSql(db, "PRAGMA user_version = 1");
    const auto result = runCpo({"runs", "list", "--db", db});
    QVERIFY(result.exitCode != 0);
    QVERIFY2(result.err.contains("marked schema version 1 but its tables do not match it"),
             result.err.constData());
    QVERIFY2(result.err.contains("restore a backup"), result.err.constData());
}

void TestHostileInput::storeInReadOnlyFolderIsListed()
{
    const QString folder = m_dir.filePath("read-only");
    QVERIFY(QDir().mkpath(folder));
    addRun(folder + "/runs.db", "archived");
    if (!makeReadOnly(folder))
        QSKIP("cannot make a folder read-only here (neither chmod nor chattr +i works)");
    const auto result = runCpo({"runs", "list", "--db", folder + "/runs.db"});
    makeWritable(folder);
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QVERIFY2(result.out.contains("archived"), result.out.constData());
}

void TestHostileInput::exportErrorsSayWhy()
{
    const QString db = m_dir.filePath("export.db");
    addRun(db, "exported");
    const QString target = m_dir.filePath("no-such-folder/metrics.csv");
    const auto result = runCpo({"runs", "export", "1", "--csv", target, "--db", db});
    QVERIFY(result.exitCode != 0);
    QVERIFY2(result.err.contains("cannot write " + target.toUtf8() +
                                 ": No such file or directory"),
             result.err.constData());
}

void TestHostileInput::initModelEndTokenFitsTheVocabulary()
{
    const auto init = initTinyGpt2(m_dir, "small-model");
    QVERIFY2(init.exitCode == 0, init.err.constData());
    QFile written(m_dir.filePath("small-model/config.json"));
    QVERIFY(written.open(QIODevice::ReadOnly));
    const auto json = QJsonDocument::fromJson(written.readAll()).object();
    QCOMPARE(json["eos_token_id"].toInt(), 63);
    QCOMPARE(json["bos_token_id"].toInt(), 63);

    const auto refused = initTinyGpt2(m_dir, "refused-model", R"(, "eos_token_id": 50256)");
    QVERIFY(refused.exitCode != 0);
    QVERIFY2(refused.err.contains("eos_token_id 50256 is outside the vocabulary of 64"),
             refused.err.constData());
}

QTEST_GUILESS_MAIN(TestHostileInput)
#include "tst_hostile_input.moc"
