// File → Follow Remote Run…: the dialog previews the command it will run, and that preview is
// the command the follower builds from the same fields (engine/remote_follow.h).

#include "engine/remote_follow.h"
#include "remote/remote_follow_dialog.h"

#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtTest/QtTest>

using namespace cpo;

class TestRemoteDialog : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void previewIsTheCommandTheFieldsMake();
    void previewFollowsTheTemplate();
    void invalidFieldsDisableFollow();
    void theWholeTemplateIsInView();
};

namespace {

QPushButton* followButton(ui::RemoteFollowDialog& dialog)
{
    return dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
}

} // namespace

void TestRemoteDialog::previewIsTheCommandTheFieldsMake()
{
    ui::RemoteFollowDialog dialog;
    // Typed as a person would, field by field.
    QTest::keyClicks(dialog.findChild<QLineEdit*>(QStringLiteral("host")), "me@gpu1");
    auto* runId = dialog.findChild<QSpinBox*>(QStringLiteral("runId"));
    runId->setValue(12);
    QCOMPARE(dialog.preview(),
             QStringLiteral("ssh -o BatchMode=yes me@gpu1 cpo runs follow 12 --from-seq 0"));
    QTest::keyClicks(dialog.findChild<QLineEdit*>(QStringLiteral("db")), "/data/runs.sqlite");
    const QString expected = QStringLiteral(
        "ssh -o BatchMode=yes me@gpu1 cpo runs follow 12 --db /data/runs.sqlite --from-seq 0");
    QCOMPARE(dialog.preview(), expected);
    QCOMPARE(dialog.findChild<QLabel*>(QStringLiteral("preview"))->text(), expected);
    // What the dialog hands to the follower makes the same command.
    const auto origin = dialog.origin();
    QCOMPARE(origin, (store::RemoteOrigin{"me@gpu1", 12, "/data/runs.sqlite"}));
    QCOMPARE(QString::fromStdString(engine::displayCommand(
                 engine::followCommand(dialog.commandTemplate().toStdString(), origin, 0))),
             expected);
    QVERIFY(dialog.isValid());
    QVERIFY(followButton(dialog)->isEnabled());
}

void TestRemoteDialog::previewFollowsTheTemplate()
{
    ui::RemoteFollowDialog dialog;
    dialog.setOrigin({"gpu1", 3, ""});
    auto* commandTemplate = dialog.findChild<QLineEdit*>(QStringLiteral("template"));
    commandTemplate->clear();
    QTest::keyClicks(commandTemplate,
                     "/opt/cpo/bin/cpo runs follow {id} --db /tmp/other.sqlite --from-seq {from}");
    QCOMPARE(dialog.preview(), QStringLiteral("/opt/cpo/bin/cpo runs follow 3 --db "
                                              "/tmp/other.sqlite --from-seq 0"));
    QCOMPARE(dialog.commandTemplate(), commandTemplate->text());
}

void TestRemoteDialog::invalidFieldsDisableFollow()
{
    ui::RemoteFollowDialog dialog;
    QVERIFY(!dialog.isValid()); // no host yet
    QVERIFY(!followButton(dialog)->isEnabled());
    QVERIFY(dialog.preview().contains(QStringLiteral("the host ''")));
    dialog.setOrigin({"gpu1", 1, "runs.sqlite; rm -rf ~"});
    QVERIFY(!followButton(dialog)->isEnabled());
    QVERIFY(dialog.preview().contains(QStringLiteral("the remote store path")));
    dialog.setOrigin({"gpu1", 1, ""});
    QVERIFY(followButton(dialog)->isEnabled());
    dialog.setCommandTemplate(QStringLiteral("ssh {host} cpo runs follow {run}"));
    QVERIFY(!followButton(dialog)->isEnabled());
    QVERIFY(dialog.preview().contains(QStringLiteral("{run}")));
}

void TestRemoteDialog::theWholeTemplateIsInView()
{
    ui::RemoteFollowDialog dialog;
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    auto* commandTemplate = dialog.findChild<QLineEdit*>(QStringLiteral("template"));
    QCOMPARE(commandTemplate->cursorPosition(), 0); // read from "ssh", not from its end
    QVERIFY(commandTemplate->width() >
            commandTemplate->fontMetrics().horizontalAdvance(commandTemplate->text()));
}

QTEST_MAIN(TestRemoteDialog)
#include "tst_remote_dialog.moc"
