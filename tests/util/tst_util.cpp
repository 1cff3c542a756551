// Small utilities the desktop app relies on: streamed text never ends in half a character,
// and the status bar's memory figure is this process' real resident size.

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
};

QTEST_MAIN(TestUtil)
#include "tst_util.moc"
