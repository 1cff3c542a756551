#pragma once

#include <QtCore/QStringList>
#include <QtWidgets/QWidget>

#include <nlohmann/json.hpp>

#include <string>

#include <QtWidgets/QComboBox>

class QCheckBox;
class QLabel;
class QLineEdit;

namespace cpo::ui {

// A combo box that lets the mouse wheel scroll the form past it: only a focused one (clicked
// or tabbed to) changes its value on the wheel, so scrolling never edits the experiment.
class FormComboBox : public QComboBox {
public:
    explicit FormComboBox(QWidget* parent = nullptr);

protected:
    void wheelEvent(QWheelEvent* event) override;
};

// One field of the setup form: an editor for the value at a JSON path and, under it, the
// validation message for that path. What the editor holds is written as JSON the experiment
// reader then judges, so a wrong value ("-1", "abc") is kept and explained, never clamped.
class FieldEditor : public QWidget {
    Q_OBJECT

public:
    enum class Kind {
        Text,   // a string
        Number, // a JSON number as typed; anything else is passed on as text to be reported
        Choice, // one of fixed strings
        Bool,
        File,   // a path with a file picker
        Folder, // a path with a folder picker
        NumberList // "0.25, 0.5": a JSON array; an item that is no number is passed on as text
    };

    FieldEditor(std::string path, Kind kind, QWidget* parent = nullptr);

    const std::string& path() const { return m_path; }
    void setChoices(const QStringList& choices);

    // Shows `value` (nullptr: the user's JSON has none) and, where that is absent, what a run
    // would use (`fallback`) as a grey placeholder. Emits nothing.
    void display(const nlohmann::json* value, const nlohmann::json* fallback);
    // What the editor holds as JSON; null when it is empty (the key is left out).
    nlohmann::json value() const;

    void setMessage(const QString& message); // "" clears it
    QString message() const;
    QWidget* editor() const; // for tests that type into it

Q_SIGNALS:
    void edited(); // by the user, not by display()

private:
    void browse();

    std::string m_path;
    Kind m_kind;
    QLineEdit* m_line = nullptr;
    QComboBox* m_combo = nullptr;
    QCheckBox* m_check = nullptr;
    QLabel* m_message = nullptr;
};

} // namespace cpo::ui
