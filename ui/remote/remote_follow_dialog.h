#pragma once

#include "store/records.h"

#include <QtWidgets/QDialog>

#include <string>

class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace cpo::ui {

// File → Follow Remote Run…: the host, the run's id there, its store (optional) and, under
// Advanced, the command template; the command it makes is previewed as it is typed (as the
// first connection runs it: a reconnection asks for the events after the mirror's last).
// OK stays disabled while the command cannot be made, the reason in the preview's place.
class RemoteFollowDialog : public QDialog {
    Q_OBJECT

public:
    explicit RemoteFollowDialog(QWidget* parent = nullptr);

    store::RemoteOrigin origin() const;
    void setOrigin(const store::RemoteOrigin& origin);
    QString commandTemplate() const;
    void setCommandTemplate(const QString& commandTemplate);
    // The command previewed, or the reason there is none.
    QString preview() const;
    bool isValid() const { return m_valid; }

private:
    void refreshPreview();

    QLineEdit* m_host = nullptr;
    QSpinBox* m_runId = nullptr;
    QLineEdit* m_db = nullptr;
    QLineEdit* m_template = nullptr;
    QLabel* m_preview = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    bool m_valid = false;
};

} // namespace cpo::ui
