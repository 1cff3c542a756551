// Small utilities the desktop app relies on: streamed text never ends in half a character,
// the status bar's memory figure is this process' real resident size, and no JSON the
// program reads can nest deep enough to exhaust the stack.

#include "util/json_parse.h"
#include "util/process_memory.h"
#include "util/utf8_tail.h"

#include <QtTest/QTest>

#include <string>
#include <vector>

class TestUtil : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void completeUtf8Length_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("complete");
        QTest::newRow("empty") << QByteArray() << 0;
        QTest::newRow("ascii") << QByteArray("abc") << 3;
        QTest::newRow("é whole") << QByteArray("a\xC3\xA9") << 3;
        QTest::newRow("é cut after its lead") << QByteArray("a\xC3") << 1;
        QTest::newRow("€ cut after 1 byte") << QByteArray("x\xE2") << 1;
        QTest::newRow("€ cut after 2 bytes") << QByteArray("x\xE2\x82") << 1;
        QTest::newRow("€ whole") << QByteArray("x\xE2\x82\xAC") << 4;
        QTest::newRow("😀 cut after 3 bytes") << QByteArray("ok\xF0\x9F\x98") << 2;
        QTest::newRow("😀 whole") << QByteArray("ok\xF0\x9F\x98\x80") << 6;
        // Not an unfinished character: malformed bytes are shown (as U+FFFD), not held back.
        QTest::newRow("stray continuation") << QByteArray("a\x80") << 2;
        QTest::newRow("invalid lead") << QByteArray("a\xFF") << 2;
    }

    void completeUtf8Length()
    {
        QFETCH(QByteArray, text);
        QFETCH(int, complete);
        QCOMPARE(cpo::completeUtf8Length({text.constData(), std::size_t(text.size())}),
                 std::size_t(complete));
    }

    void streamedCharactersSplitAcrossTokensNeverShowAsReplacement()
    {
        // "héllo 😀" as byte-level BPE might stream it: characters cut between tokens.
        const std::vector<std::string> tokens = {"h", "\xC3", "\xA9llo ", "\xF0\x9F", "\x98",
                                                 "\x80"};
        std::string decoded;
        QStringList shown;
        for (const auto& token : tokens) {
            decoded += token;
            const auto text = QString::fromUtf8(decoded.data(),
                                                qsizetype(cpo::completeUtf8Length(decoded)));
            QVERIFY2(!text.contains(QChar::ReplacementCharacter), qPrintable(text));
            shown << text;
        }
        QCOMPARE(shown, (QStringList{"h", "h", "héllo ", "héllo ", "héllo ", "héllo 😀"}));
    }

    void residentBytesGrowsWithTouchedMemory()
    {
        const auto before = cpo::residentBytes();
        QVERIFY(before && *before > 0);
        std::vector<char> block(64 << 20, 1); // 64 MiB, written so it is resident
        const auto after = cpo::residentBytes();
        QVERIFY(after);
        QVERIFY2(*after - *before > (48 << 20), qPrintable(QString::number(*after - *before)));
        QCOMPARE(block[12345], char(1));
    }

    void jsonDepthIsBounded()
    {
        const auto nested = [](int depth) {
            return std::string(static_cast<std::size_t>(depth), '[') +
                   std::string(static_cast<std::size_t>(depth), ']');
        };
        // As deep as allowed: read as nlohmann reads it.
        QVERIFY(cpo::parseJsonBounded(nested(cpo::kMaxJsonDepth), "ok.json") ==
                nlohmann::json::parse(nested(cpo::kMaxJsonDepth)));
        // One deeper, or 1 000 000 deep without the closing half: a clear error naming the
        // source, no crash.
        for (const auto& text : {nested(cpo::kMaxJsonDepth + 1), std::string(1000000, '[')}) {
            try {
                cpo::parseJsonBounded(text, "deep.json");
                QFAIL("a document nested too deep was read");
            } catch (const cpo::Error& e) {
                QVERIFY2(std::string(e.what()).starts_with("deep.json: JSON nested more than "
                                                           "256 levels deep"),
                         e.what());
            }
        }
        // Callers that do not want exceptions get a discarded value, as from nlohmann.
        QVERIFY(cpo::parseJsonBounded(nested(100000), "x", {.allowExceptions = false})
                    .is_discarded());
        QVERIFY(cpo::parseJsonBounded(std::string("{\"a\": [1, {\"b\": null}]}"), "x")
                    .at("a")
                    .at(1)
                    .contains("b"));
    }
};

QTEST_MAIN(TestUtil)
#include "tst_util.moc"
