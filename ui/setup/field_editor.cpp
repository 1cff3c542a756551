#include "setup/field_editor.h"

#include <QtGui/QWheelEvent>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

namespace cpo::ui {
namespace {

using nlohmann::json;

QString shown(const json& value)
{
    if (value.is_array()) { // a list as typed: "0.25, 0.5", not "[0.25,0.5]"
        QStringList items;
        for (const auto& item : value)
            items << shown(item);
        return items.join(QStringLiteral(", "));
    }
    return value.is_string() ? QString::fromStdString(value.get<std::string>())
                             : QString::fromStdString(value.dump());
}

json numberOrText(const QString& text)
{
    json number = json::parse(text.trimmed().toStdString(), nullptr, false);
    if (!number.is_discarded() && number.is_number())
        return number;
    return text.trimmed().toStdString();
}

} // namespace

FormComboBox::FormComboBox(QWidget* parent) : QComboBox(parent)
{
    setFocusPolicy(Qt::StrongFocus);
}

void FormComboBox::wheelEvent(QWheelEvent* event)
{
    if (hasFocus())
        QComboBox::wheelEvent(event);
    else
        event->ignore(); // to the scroll area
}

FieldEditor::FieldEditor(std::string path, Kind kind, QWidget* parent)
    : QWidget(parent), m_path(std::move(path)), m_kind(kind)
{
    auto* column = new QVBoxLayout(this);
    column->setContentsMargins(0, 0, 0, 0);
    column->setSpacing(2);
    auto* row = new QHBoxLayout;
    column->addLayout(row);
    switch (kind) {
    case Kind::Choice:
        m_combo = new FormComboBox(this);
        row->addWidget(m_combo, 1);
        connect(m_combo, &QComboBox::activated, this, [this] { Q_EMIT edited(); });
        break;
    case Kind::Bool:
        m_check = new QCheckBox(this);
        row->addWidget(m_check, 1);
        connect(m_check, &QCheckBox::clicked, this, [this] { Q_EMIT edited(); });
        break;
    case Kind::Text:
    case Kind::Number:
    case Kind::File:
    case Kind::Folder:
    case Kind::NumberList:
        m_line = new QLineEdit(this);
        m_line->setClearButtonEnabled(kind == Kind::File || kind == Kind::Folder);
        row->addWidget(m_line, 1);
        connect(m_line, &QLineEdit::textEdited, this, [this] { Q_EMIT edited(); });
        break;
    }
    if (kind == Kind::File || kind == Kind::Folder) {
        auto* button = new QToolButton(this);
        button->setText(QStringLiteral("…"));
        button->setToolTip(kind == Kind::File ? tr("Choose a file") : tr("Choose a folder"));
        row->addWidget(button);
        connect(button, &QToolButton::clicked, this, &FieldEditor::browse);
    }
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setStyleSheet(QStringLiteral("color: #c0392b;"));
    m_message->hide();
    column->addWidget(m_message);
    setToolTip(QString::fromStdString(m_path));
}

void FieldEditor::setChoices(const QStringList& choices)
{
    if (m_combo)
        m_combo->addItems(choices);
}

void FieldEditor::display(const json* value, const json* fallback)
{
    const json* what = value ? value : fallback;
    if (m_line) {
        // Text that already means this value stays as typed ("1e-4" is not rewritten to
        // "0.0001" under the cursor).
        const json current = this->value();
        const bool same = value ? current == *value : current.is_null();
        if (!same)
            m_line->setText(value ? shown(*value) : QString());
        m_line->setPlaceholderText(fallback ? shown(*fallback) : QString());
    } else if (m_combo) {
        const QString text = what ? shown(*what) : QString();
        const int index = m_combo->findText(text);
        if (index < 0 && !text.isEmpty())
            m_combo->addItem(text); // a value the file has that is not a choice: shown as is
        m_combo->setCurrentIndex(m_combo->findText(text));
    } else if (m_check) {
        m_check->setChecked(what && what->is_boolean() && what->get<bool>());
    }
}

json FieldEditor::value() const
{
    if (m_combo)
        return m_combo->currentIndex() < 0 ? json() : json(m_combo->currentText().toStdString());
    if (m_check)
        return m_check->isChecked();
    const QString text = m_line->text();
    if (text.trimmed().isEmpty())
        return json();
    if (m_kind == Kind::Number) {
        json number = numberOrText(text);
        if (number.is_number())
            return number;
    }
    if (m_kind == Kind::NumberList) {
        json list = json::array();
        for (const auto& item : text.split(QLatin1Char(',')))
            list.push_back(numberOrText(item)); // "" or a word: reported at its index
        return list;
    }
    return text.toStdString();
}

void FieldEditor::setMessage(const QString& message)
{
    m_message->setText(message);
    m_message->setVisible(!message.isEmpty());
    editor()->setStyleSheet(message.isEmpty() ? QString()
                                              : QStringLiteral("border: 1px solid #c0392b;"));
}

QString FieldEditor::message() const
{
    return m_message->text();
}

QWidget* FieldEditor::editor() const
{
    if (m_combo)
        return m_combo;
    if (m_check)
        return m_check;
    return m_line;
}

void FieldEditor::browse()
{
    const QString start = m_line->text();
    const QString chosen = m_kind == Kind::File
                               ? QFileDialog::getOpenFileName(this, tr("Choose a file"), start)
                               : QFileDialog::getExistingDirectory(this, tr("Choose a folder"),
                                                                   start);
    if (chosen.isEmpty())
        return;
    m_line->setText(chosen);
    Q_EMIT edited();
}

} // namespace cpo::ui
