#pragma once

#include "engine/judge_config.h"

#include <QtWidgets/QDialog>

class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace cpo::ui {

// The settings of an OpenAI-compatible chat judge: endpoint, model, the name of the variable
// holding the API key (never the key), the prompt template and the caps (requests in flight,
// requests per evaluation, answer tokens, timeout). "Test connection" sends one tiny request
// off the GUI thread; "Save…" writes the judge config file `cpo eval --judge` and the α view
// take.
class JudgeSettingsDialog : public QDialog {
    Q_OBJECT

public:
    explicit JudgeSettingsDialog(QWidget* parent = nullptr);

    engine::ChatJudgeConfig settings() const;
    void setSettings(const engine::ChatJudgeConfig& settings);
    QString testResult() const;

public Q_SLOTS:
    void testConnection();
    void save();

Q_SIGNALS:
    void tested(bool ok, const QString& message);
    void saved(const QString& file);

private:
    QLineEdit* m_endpoint = nullptr;
    QLineEdit* m_model = nullptr;
    QLineEdit* m_keyVariable = nullptr;
    QLineEdit* m_template = nullptr;
    QSpinBox* m_concurrency = nullptr;
    QSpinBox* m_maxRequests = nullptr;
    QSpinBox* m_maxTokens = nullptr;
    QDoubleSpinBox* m_timeout = nullptr;
    QPushButton* m_test = nullptr;
    QLabel* m_result = nullptr;
};

} // namespace cpo::ui
