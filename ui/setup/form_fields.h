#pragma once

#include "setup/field_editor.h"

#include <QtCore/QString>
#include <QtCore/QStringList>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

class QFormLayout;
class QGroupBox;
class QLabel;
class QWidget;

namespace cpo::ui {

class ExperimentDocument;

// What the setup form's sections are made of, kept in one place so the form can show the
// document in all of them at once: the field editors, the messages of whole sections, the
// rows shown only in some states (a dataset kind's options) and the controls that mirror
// the document (a "start from" choice, a phase's check box). It decides where each issue of
// the document is shown: at its field, else at the nearest message above it on screen.
class FormFields {
public:
    using Kind = FieldEditor::Kind;
    // Writes what the user entered in a field; by default the document's set(path, value).
    using Write = std::function<void(const nlohmann::json& value)>;

    // Rows of a section shown only while `visible` holds; they stay rows of the section's
    // form so every label lines up.
    struct Panel {
        QFormLayout* form;
        std::function<bool()> visible;
        std::vector<QWidget*> rows;
    };

    explicit FormFields(ExperimentDocument& document) : m_document(document) {}
    FormFields(const FormFields&) = delete;
    FormFields& operator=(const FormFields&) = delete;

    ExperimentDocument& document() const { return m_document; }

    // A group box with a form and, at its top, the message for `path`.
    QGroupBox* section(const QString& title, const std::string& path, QFormLayout*& form);
    Panel* panel(QFormLayout* form, std::function<bool()> visible);
    FieldEditor* add(QFormLayout* form, const QString& label, const std::string& path,
                     Kind kind, const QStringList& choices = {}, Write write = {});
    FieldEditor* add(Panel* panel, const QString& label, const std::string& path, Kind kind,
                     const QStringList& choices = {});
    // A message row for issues at `path` that no field of it shows (a whole block's).
    QLabel* sectionMessage(const std::string& path, QFormLayout* form);
    QLabel* sectionMessage(const std::string& path, Panel* panel);
    // Run on every refresh, after the fields: a control that mirrors the document.
    void onRefresh(std::function<void()> mirror);

    // Shows the document in every field, panel and mirroring control, then its issues.
    void refresh();

    // The field editing `path` (nullptr when there is none), and the message shown for
    // `path`: at its field, else at the nearest section above it.
    FieldEditor* field(const std::string& path) const;
    QString messageFor(const std::string& path) const;

private:
    void refreshMessages();
    // Where an issue at `path` is shown: the field or section message nearest above it that
    // is on screen ("" is the whole experiment's).
    std::string shownAt(std::string path) const;

    ExperimentDocument& m_document;
    std::vector<FieldEditor*> m_fields;
    std::map<std::string, QLabel*> m_sectionMessages;
    std::vector<std::unique_ptr<Panel>> m_panels;
    std::vector<std::function<void()>> m_mirrors;
    std::set<const QWidget*> m_hiddenRows; // rows of panels hidden in the current state
};

} // namespace cpo::ui
