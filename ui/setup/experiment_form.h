#pragma once

#include "setup/experiment_document.h"
#include "setup/experiment_edits.h"
#include "setup/form_fields.h"
#include "setup/form_sections.h"

#include <QtWidgets/QWidget>

#include <string>

class QBoxLayout;
class QComboBox;
class QLabel;

namespace cpo::ui {

class DatasetPreviewPane;

// The experiment setup form: every field of an experiment file, each validated in place by
// the reader `cpo run` uses, with its message under it. Its sections (FormSections) sit in
// two columns under a toolbar of presets; the main window's actions call its slots (open,
// save, save as) and disable Start while validityChanged(false).
class ExperimentForm : public QWidget {
    Q_OBJECT

public:
    explicit ExperimentForm(QWidget* parent = nullptr);

    ExperimentDocument& document() { return m_document; }
    bool isValid() const { return m_document.isValid(); }
    bool isModified() const { return m_document.isModified(); }
    QString fileName() const { return m_document.fileName(); }

    // Lists the folder's *.json files in the preset box (experiments/ of the source tree).
    void setPresetFolder(const QString& folder);
    // $CPO_EXPERIMENTS_DIR, else an `experiments` folder above the executable (a build tree
    // in the checkout); "" when there is none.
    static QString findPresetFolder();

    // The field editing `path` (nullptr when the form has none), and the message shown for
    // `path`: at its field, else at the nearest section above it.
    FieldEditor* field(const std::string& path) const { return m_fields.field(path); }
    QString messageFor(const std::string& path) const { return m_fields.messageFor(path); }
    DatasetPreviewPane* datasetPreview() const { return m_preview; }

public Q_SLOTS:
    bool openFile(const QString& file); // false (and problem()) when it cannot be read
    void open();                        // asks for a file
    bool save();                        // to its file; asks for one when it has none
    bool saveAs();
    bool saveTo(const QString& file);
    // For the main window's close: true when there is nothing unsaved, or the user saved or
    // chose to discard it; false when they cancelled (the window stays open).
    bool confirmClose();
    // A run's stored experiment JSON as a new, unsaved experiment named after the run.
    void cloneSetup(const QString& experimentJson, const QString& runName);
    // `--set key.path=value` assignments, as cpo run takes them (the app's --set).
    bool applyOverrides(const QStringList& assignments);
    QString copyCliCommand(); // also put on the clipboard
    void queueGrid();
    // A dataset file or folder (also what dropping one on the form does): picks the kind
    // from it (.jsonl/.json instruction records, else a text corpus).
    void setDatasetPath(const QString& path);

Q_SIGNALS:
    void validityChanged(bool valid);
    void modifiedChanged(bool modified);
    void fileNameChanged(const QString& file);
    void problem(const QString& message); // a file that could not be read or written

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    // Two columns of sections where they fit side by side, else one under the other.
    void resizeEvent(QResizeEvent* event) override;

private:
    QWidget* buildToolbar();
    void refresh();
    void fillPresets();
    void report(const QString& message); // problem(), and kept for a dialog's message box

    ExperimentDocument m_document;
    FormFields m_fields{m_document};
    ExperimentEdits m_edits{m_document};
    // Builds the sections; what they left in m_fields refers to it, so it lives with the form.
    const FormSections m_sections{m_document, m_fields, m_edits};
    QString m_presetFolder;
    QString m_lastProblem;
    QComboBox* m_presets = nullptr;
    QLabel* m_summary = nullptr;
    QBoxLayout* m_columns = nullptr; // of the two below
    QBoxLayout* m_left = nullptr;
    QBoxLayout* m_right = nullptr;
    DatasetPreviewPane* m_preview = nullptr;
};

} // namespace cpo::ui
