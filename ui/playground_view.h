#pragma once

#include <QtCore/QThread>
#include <QtWidgets/QWidget>

class QDoubleSpinBox;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QComboBox;
class QLabel;

namespace cpo::ui {

class GenerationWorker;

// The generation playground, one view of the main window: pick a Hugging Face model folder
// and a tokenizer, write a prompt, and watch the continuation stream in while the window
// stays responsive.
class PlaygroundView : public QWidget {
    Q_OBJECT

public:
    explicit PlaygroundView(QWidget* parent = nullptr);
    ~PlaygroundView() override;

    void setModelDir(const QString& dir);
    void setTokenizerPath(const QString& path);
    void setPrompt(const QString& prompt);

public Q_SLOTS:
    void startGeneration();
    void stopGeneration();

private:
    QWidget* buildForm();
    void showStatus(const QString& message);
    void setRunning(bool running);
    void browseForFolder(QLineEdit* target, const QString& title);

    QThread m_workerThread;
    GenerationWorker* m_worker = nullptr; // lives on m_workerThread, deleted when it ends
    QLineEdit* m_modelDir = nullptr;
    QLineEdit* m_tokenizerPath = nullptr;
    QComboBox* m_device = nullptr;
    QDoubleSpinBox* m_temperature = nullptr;
    QSpinBox* m_topK = nullptr;
    QDoubleSpinBox* m_topP = nullptr;
    QSpinBox* m_maxNew = nullptr;
    QSpinBox* m_seed = nullptr;
    QPlainTextEdit* m_prompt = nullptr;
    QPlainTextEdit* m_output = nullptr;
    QPushButton* m_generate = nullptr;
    QPushButton* m_stop = nullptr;
    QLabel* m_status = nullptr;
};

} // namespace cpo::ui
