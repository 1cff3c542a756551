#include "setup/form_fields.h"

#include "setup/experiment_document.h"

#include <QtWidgets/QFormLayout>
#include <QtWidgets/QGroupBox>
#include <QtWidgets/QLabel>

namespace cpo::ui {
namespace {

std::string parentOf(const std::string& path)
{
    // "eval.alphas[2]" → "eval.alphas": an item's problem is shown at its list's field.
    if (!path.empty() && path.back() == ']')
        if (const auto open = path.rfind('['); open != std::string::npos)
            return path.substr(0, open);
    const auto dot = path.rfind('.');
    return dot == std::string::npos ? std::string() : path.substr(0, dot);
}

} // namespace

QGroupBox* FormFields::section(const QString& title, const std::string& path,
                               QFormLayout*& form)
{
    auto* box = new QGroupBox(title);
    form = new QFormLayout(box);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    sectionMessage(path, form);
    return box;
}

QLabel* FormFields::sectionMessage(const std::string& path, QFormLayout* form)
{
    auto* label = new QLabel;
    label->setWordWrap(true);
    label->setStyleSheet(QStringLiteral("color: #c0392b;"));
    label->hide();
    form->addRow(label);
    m_sectionMessages[path] = label;
    return label;
}

QLabel* FormFields::sectionMessage(const std::string& path, Panel* panel)
{
    auto* label = sectionMessage(path, panel->form);
    panel->rows.push_back(label);
    return label;
}

FormFields::Panel* FormFields::panel(QFormLayout* form, std::function<bool()> visible)
{
    m_panels.push_back(std::make_unique<Panel>(Panel{form, std::move(visible), {}}));
    return m_panels.back().get();
}

FieldEditor* FormFields::add(QFormLayout* form, const QString& label, const std::string& path,
                             Kind kind, const QStringList& choices, Write write)
{
    auto* editor = new FieldEditor(path, kind);
    editor->setChoices(choices);
    form->addRow(label, editor);
    m_fields.push_back(editor);
    if (!write)
        write = [this, path](const nlohmann::json& value) { m_document.set(path, value); };
    QObject::connect(editor, &FieldEditor::edited, editor,
                     [editor, write = std::move(write)] { write(editor->value()); });
    return editor;
}

FieldEditor* FormFields::add(Panel* panel, const QString& label, const std::string& path,
                             Kind kind, const QStringList& choices)
{
    auto* editor = add(panel->form, label, path, kind, choices);
    panel->rows.push_back(editor);
    return editor;
}

void FormFields::onRefresh(std::function<void()> mirror)
{
    m_mirrors.push_back(std::move(mirror));
}

void FormFields::refresh()
{
    for (auto* field : m_fields)
        field->display(m_document.find(field->path()), m_document.effective(field->path()));
    m_hiddenRows.clear();
    for (const auto& panel : m_panels) {
        const bool visible = panel->visible();
        for (auto* row : panel->rows) {
            panel->form->setRowVisible(row, visible);
            if (!visible)
                m_hiddenRows.insert(row);
        }
    }
    for (const auto& mirror : m_mirrors)
        mirror();
    refreshMessages();
}

void FormFields::refreshMessages()
{
    std::map<std::string, QStringList> messages;
    for (const auto& issue : m_document.issues()) {
        const std::string at = shownAt(issue.path);
        QString message = QString::fromStdString(issue.message);
        if (at != issue.path)
            message = QString::fromStdString(issue.path) + QStringLiteral(": ") + message;
        messages[at].append(message);
    }
    for (auto* field : m_fields) {
        const auto it = messages.find(field->path());
        field->setMessage(it == messages.end() ? QString() : it->second.join('\n'));
    }
    for (const auto& [path, label] : m_sectionMessages) {
        const auto it = messages.find(path);
        label->setText(it == messages.end() ? QString() : it->second.join('\n'));
        if (!m_hiddenRows.count(label))
            label->setVisible(it != messages.end());
    }
}

std::string FormFields::shownAt(std::string path) const
{
    const auto shown = [this](const QWidget* widget) {
        return widget && !m_hiddenRows.count(widget);
    };
    while (!path.empty()) {
        const auto section = m_sectionMessages.find(path);
        if (shown(field(path)) || (section != m_sectionMessages.end() && shown(section->second)))
            return path;
        path = parentOf(path);
    }
    return path;
}

FieldEditor* FormFields::field(const std::string& path) const
{
    for (auto* field : m_fields)
        if (field->path() == path)
            return field;
    return nullptr;
}

QString FormFields::messageFor(const std::string& path) const
{
    std::string at = path;
    while (true) {
        if (auto* f = field(at); f && !f->message().isEmpty())
            return f->message();
        if (const auto it = m_sectionMessages.find(at);
            it != m_sectionMessages.end() && !it->second->text().isEmpty())
            return it->second->text();
        if (at.empty())
            return {};
        at = parentOf(at);
    }
}

} // namespace cpo::ui
