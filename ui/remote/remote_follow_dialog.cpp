#include "remote/remote_follow_dialog.h"

#include "engine/remote_follow.h"

#include <QtGui/QFontDatabase>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QGroupBox>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QVBoxLayout>

#include <algorithm>
#include <limits>

namespace cpo::ui {

RemoteFollowDialog::RemoteFollowDialog(QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("Follow Remote Run"));
    m_host = new QLineEdit;
    m_host->setPlaceholderText(tr("gpu-server or user@gpu-server"));
    m_host->setObjectName(QStringLiteral("host"));
    m_runId = new QSpinBox;
    m_runId->setRange(1, std::numeric_limits<int>::max());
    m_runId->setObjectName(QStringLiteral("runId"));
    m_db = new QLineEdit;
    m_db->setPlaceholderText(tr("the remote cpo's default store"));
    m_db->setObjectName(QStringLiteral("db"));
    m_template = new QLineEdit(QString::fromUtf8(engine::kDefaultFollowCommand.data(),
                                                 int(engine::kDefaultFollowCommand.size())));
    m_template->setObjectName(QStringLiteral("template"));
    // The whole default command in view, read from its start (ssh …), not scrolled to its end.
    m_template->setMinimumWidth(
        m_template->fontMetrics().horizontalAdvance(m_template->text()) + 24);
    m_template->setCursorPosition(0);
    m_template->setToolTip(tr("Split at spaces into arguments (no shell): {host}, {id}, {db}, "
                              "{from} (the last event mirrored) are replaced; {db_option} is "
                              "--db DB, or nothing without a store path"));
    m_preview = new QLabel;
    m_preview->setObjectName(QStringLiteral("preview"));
    m_preview->setWordWrap(true);
    m_preview->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_preview->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));

    auto* form = new QFormLayout;
    form->addRow(tr("&Host:"), m_host);
    form->addRow(tr("&Run id there:"), m_runId);
    form->addRow(tr("Remote &store:"), m_db);
    auto* advanced = new QGroupBox(tr("Advanced"));
    auto* advancedForm = new QFormLayout(advanced);
    advancedForm->addRow(tr("Command &template:"), m_template);
    auto* note = new QLabel(tr("The mirrored run is read-only here: it trains on the remote "
                               "machine. ssh must log in without a password (a key)."));
    note->setWordWrap(true);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Follow"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(advanced);
    layout->addWidget(new QLabel(tr("Command:")));
    layout->addWidget(m_preview);
    layout->addWidget(note);
    layout->addWidget(m_buttons);
    resize(std::max(640, sizeHint().width()), sizeHint().height());

    for (auto* edit : {m_host, m_db, m_template})
        connect(edit, &QLineEdit::textChanged, this, &RemoteFollowDialog::refreshPreview);
    connect(m_runId, &QSpinBox::valueChanged, this, &RemoteFollowDialog::refreshPreview);
    refreshPreview();
}

store::RemoteOrigin RemoteFollowDialog::origin() const
{
    return {m_host->text().trimmed().toStdString(), m_runId->value(),
            m_db->text().trimmed().toStdString()};
}

void RemoteFollowDialog::setOrigin(const store::RemoteOrigin& origin)
{
    m_host->setText(QString::fromStdString(origin.host));
    m_runId->setValue(int(origin.runId));
    m_db->setText(QString::fromStdString(origin.db));
}

QString RemoteFollowDialog::commandTemplate() const { return m_template->text(); }

void RemoteFollowDialog::setCommandTemplate(const QString& commandTemplate)
{
    m_template->setText(commandTemplate);
}

QString RemoteFollowDialog::preview() const { return m_preview->text(); }

void RemoteFollowDialog::refreshPreview()
{
    try {
        const auto argv =
            engine::followCommand(m_template->text().toStdString(), origin(), 0);
        m_preview->setText(QString::fromStdString(engine::displayCommand(argv)));
        m_preview->setStyleSheet({});
        m_valid = true;
    } catch (const std::exception& e) {
        m_preview->setText(QString::fromUtf8(e.what()));
        m_preview->setStyleSheet(QStringLiteral("color: #c0392b"));
        m_valid = false;
    }
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(m_valid);
}

} // namespace cpo::ui
