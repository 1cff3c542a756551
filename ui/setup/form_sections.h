#pragma once

#include <QtCore/QCoreApplication>
#include <QtCore/QString>

#include <string>

class QFormLayout;
class QGroupBox;

namespace cpo::ui {

class DatasetPreviewPane;
class ExperimentDocument;
class ExperimentEdits;
class FormFields;

// The setup form's group boxes, one builder per section of the experiment file, each in its
// own file (setup/*_section.cpp). Each adds its fields to `fields`, which shows the document
// in them; edits that switch a part of the experiment go through `edits`.
class FormSections {
    Q_DECLARE_TR_FUNCTIONS(cpo::ui::ExperimentForm)

public:
    FormSections(ExperimentDocument& document, FormFields& fields, ExperimentEdits& edits)
        : m_document(document), m_fields(fields), m_edits(edits)
    {
    }

    QGroupBox* experiment() const; // name, seed, device: also the whole file's problems
    QGroupBox* model() const;
    QGroupBox* tokenizer() const;
    // The dataset's kind and options, with a preview of its first records (`preview`).
    QGroupBox* dataset(DatasetPreviewPane*& preview) const;
    QGroupBox* mle() const;
    QGroupBox* cpo() const; // with the negative samplers' options
    QGroupBox* evaluation() const;
    QGroupBox* output() const;

private:
    // A section with a check box that switches the phase at `path` on and off.
    QGroupBox* phase(const QString& title, const std::string& path, QFormLayout*& form) const;

    ExperimentDocument& m_document;
    FormFields& m_fields;
    ExperimentEdits& m_edits;
};

} // namespace cpo::ui
