#pragma once

#include "setup/experiment_document.h"

#include <QtWidgets/QWidget>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

class QBoxLayout;
class QCheckBox;
class QComboBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QPushButton;

namespace cpo::ui {

class DatasetPreviewPane;
class FieldEditor;

// The experiment setup form: every field of an experiment file, each validated in place by
// the reader `cpo run` uses, with its message under it. The main window's actions call its
// slots (open, save, save as) and disable Start while validityChanged(false).
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
    FieldEditor* field(const std::string& path) const;
    QString messageFor(const std::string& path) const;
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
    // Rows of a section shown only in some states (a dataset kind's options); they stay rows
    // of the section's form so every label lines up.
    struct Panel {
        QFormLayout* form;
        std::function<bool()> visible;
        std::vector<QWidget*> rows;
    };

    QWidget* buildToolbar();
    QGroupBox* buildGeneral();
    QGroupBox* buildModel();
    QGroupBox* buildTokenizer();
    QGroupBox* buildDataset();
    QGroupBox* buildMle();
    QGroupBox* buildCpo();
    QGroupBox* buildEval();
    QGroupBox* buildOutput();
    QGroupBox* section(const QString& title, const std::string& path, QFormLayout*& form);
    Panel* panel(QFormLayout* form, std::function<bool()> visible);
    FieldEditor* add(QFormLayout* form, const QString& label, const std::string& path,
                     int kind, const QStringList& choices = {});
    FieldEditor* add(Panel* panel, const QString& label, const std::string& path, int kind,
                     const QStringList& choices = {});
    QLabel* sectionMessage(const std::string& path, QFormLayout* form);
    QLabel* sectionMessage(const std::string& path, Panel* panel);

    // Replaces the subtree at `path` with `value` (null: removes it), keeping what was there
    // to bring it back when the user switches back (a model path, a tokenizer's options).
    void swapSubtree(const std::string& path, const nlohmann::json& value);
    // Switches a phase ("mle", "cpo") off and on again without losing its settings.
    void setPhase(const std::string& path, bool on);
    void setDatasetKind(const std::string& kind);
    void setSampler(const std::string& sampler);
    std::string text(const std::string& path) const; // user's value, else effective, else ""
    // Where an issue at `path` is shown: the field or section message nearest above it that
    // is on screen ("" is the whole experiment's).
    std::string shownAt(std::string path) const;
    void refresh();
    void refreshMessages();
    void requestPreview();
    void fillPresets();
    void report(const QString& message); // problem(), and kept for a dialog's message box

    ExperimentDocument m_document;
    std::vector<FieldEditor*> m_fields;
    std::map<std::string, QLabel*> m_sectionMessages;
    std::vector<std::unique_ptr<Panel>> m_panels;
    std::set<const QWidget*> m_hiddenRows; // rows of panels hidden in the current state
    nlohmann::json m_stash = nlohmann::json::object();
    QString m_presetFolder;
    QString m_lastProblem;
    QComboBox* m_presets = nullptr;
    QLabel* m_summary = nullptr;
    QComboBox* m_modelSource = nullptr;
    QComboBox* m_tokenizerSource = nullptr;
    QGroupBox* m_mle = nullptr;
    QGroupBox* m_cpo = nullptr;
    QGroupBox* m_eval = nullptr;
    QBoxLayout* m_columns = nullptr; // of the two below
    QBoxLayout* m_left = nullptr;
    QBoxLayout* m_right = nullptr;
    DatasetPreviewPane* m_preview = nullptr;
};

} // namespace cpo::ui
