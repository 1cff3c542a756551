#include "playground_view.h"

#include "generation_worker.h"

#include <QtCore/QSettings>
#include <QtGui/QKeySequence>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDoubleSpinBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QVBoxLayout>

#include <initializer_list>
#include <utility>

namespace cpo::ui {

PlaygroundView::PlaygroundView(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("playground"));
    qRegisterMetaType<GenerationRequest>();

    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(buildForm());
    m_output = new QPlainTextEdit(splitter);
    m_output->setReadOnly(true);
    m_output->setPlaceholderText(tr("The continuation appears here as it is generated."));
    splitter->addWidget(m_output);
    splitter->setStretchFactor(1, 1);
    m_status = new QLabel(this);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_status);

    m_worker = new GenerationWorker;
    m_worker->moveToThread(&m_workerThread);
    connect(&m_workerThread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &GenerationWorker::started, this, [this](const QString& description) {
        showStatus(tr("Generating (%1)…").arg(description));
    });
    connect(m_worker, &GenerationWorker::progressed, this,
            [this](const QString& text, int) { m_output->setPlainText(text); });
    connect(m_worker, &GenerationWorker::finished, this,
            [this](const QString& text, int tokens, double seconds) {
                m_output->setPlainText(text);
                const double rate = seconds > 0 ? tokens / seconds : 0.0;
                showStatus(tr("%1 tokens in %2 s (%3 tokens/s)")
                               .arg(tokens)
                               .arg(seconds, 0, 'f', 2)
                               .arg(rate, 0, 'f', 1));
                setRunning(false);
            });
    connect(m_worker, &GenerationWorker::failed, this, [this](const QString& message) {
        setRunning(false);
        showStatus(tr("Generation failed"));
        QMessageBox::warning(this, tr("Generation failed"), message);
    });
    m_workerThread.start();

    QSettings settings;
    m_modelDir->setText(settings.value("playground/modelDir").toString());
    m_tokenizerPath->setText(settings.value("playground/tokenizer").toString());
}

PlaygroundView::~PlaygroundView()
{
    QSettings settings;
    settings.setValue("playground/modelDir", m_modelDir->text());
    settings.setValue("playground/tokenizer", m_tokenizerPath->text());
    m_worker->requestStop();
    m_workerThread.quit();
    m_workerThread.wait();
}

void PlaygroundView::setModelDir(const QString& dir) { m_modelDir->setText(dir); }
void PlaygroundView::setTokenizerPath(const QString& path) { m_tokenizerPath->setText(path); }
void PlaygroundView::setPrompt(const QString& prompt) { m_prompt->setPlainText(prompt); }

QWidget* PlaygroundView::buildForm()
{
    auto* form = new QWidget(this);
    auto* layout = new QFormLayout(form);

    const auto pathRow = [&](QLineEdit*& edit, const QString& placeholder, const QString& title) {
        auto* row = new QWidget(form);
        auto* rowLayout = new QHBoxLayout(row);
        rowLayout->setContentsMargins(0, 0, 0, 0);
        edit = new QLineEdit(row);
        edit->setPlaceholderText(placeholder);
        auto* browse = new QPushButton(tr("Browse…"), row);
        QLineEdit* target = edit;
        connect(browse, &QPushButton::clicked, this,
                [this, target, title] { browseForFolder(target, title); });
        rowLayout->addWidget(edit, 1);
        rowLayout->addWidget(browse);
        return row;
    };
    layout->addRow(tr("&Model folder:"), pathRow(m_modelDir, tr("config.json + model.safetensors"),
                                                tr("Choose a Hugging Face model folder")));
    layout->addRow(tr("&Tokenizer:"),
                   pathRow(m_tokenizerPath, tr("folder with vocab.json/merges.txt, "
                                               "tokenizer.json or tokenizer.model"),
                           tr("Choose a tokenizer folder")));

    // Two rows of spin boxes: on one they alone made the view (and so the window, beside
    // the setup form) too wide for a laptop's screen.
    const auto spinRow = [form](std::initializer_list<std::pair<QString, QWidget*>> spins) {
        auto* row = new QWidget(form);
        auto* rowLayout = new QHBoxLayout(row);
        rowLayout->setContentsMargins(0, 0, 0, 0);
        for (const auto& [label, spin] : spins) {
            rowLayout->addWidget(new QLabel(label, row));
            spin->setParent(row);
            rowLayout->addWidget(spin);
        }
        rowLayout->addStretch(1);
        return row;
    };
    m_device = new QComboBox(form);
    m_device->addItems({"cpu", "auto", "cuda"});
    m_temperature = new QDoubleSpinBox(form);
    m_temperature->setRange(0.0, 5.0);
    m_temperature->setSingleStep(0.1);
    m_temperature->setValue(1.0);
    m_temperature->setToolTip(tr("0 = greedy"));
    m_topK = new QSpinBox(form);
    m_topK->setRange(0, 100000);
    m_topK->setToolTip(tr("0 = off"));
    m_topP = new QDoubleSpinBox(form);
    m_topP->setRange(0.01, 1.0);
    m_topP->setSingleStep(0.05);
    m_topP->setValue(1.0);
    m_maxNew = new QSpinBox(form);
    m_maxNew->setRange(1, 4096);
    m_maxNew->setValue(64);
    m_seed = new QSpinBox(form);
    m_seed->setRange(0, 1 << 30);
    layout->addRow(tr("Sampling:"), spinRow({{tr("Temperature"), m_temperature},
                                             {tr("Top-k"), m_topK},
                                             {tr("Top-p"), m_topP}}));
    layout->addRow(tr("Run:"), spinRow({{tr("Device"), m_device},
                                        {tr("Max new"), m_maxNew},
                                        {tr("Seed"), m_seed}}));

    m_prompt = new QPlainTextEdit(form);
    m_prompt->setPlaceholderText(tr("Prompt (Ctrl+Return generates)"));
    m_prompt->setMaximumHeight(120);
    layout->addRow(tr("&Prompt:"), m_prompt);

    auto* buttons = new QWidget(form);
    auto* buttonLayout = new QHBoxLayout(buttons);
    buttonLayout->setContentsMargins(0, 0, 0, 0);
    m_generate = new QPushButton(tr("&Generate"), buttons);
    m_generate->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    m_stop = new QPushButton(tr("&Stop"), buttons);
    m_stop->setShortcut(QKeySequence(Qt::Key_Escape));
    m_stop->setEnabled(false);
    connect(m_generate, &QPushButton::clicked, this, &PlaygroundView::startGeneration);
    connect(m_stop, &QPushButton::clicked, this, &PlaygroundView::stopGeneration);
    buttonLayout->addWidget(m_generate);
    buttonLayout->addWidget(m_stop);
    buttonLayout->addStretch(1);
    layout->addRow(QString(), buttons);
    return form;
}

void PlaygroundView::showStatus(const QString& message) { m_status->setText(message); }

void PlaygroundView::browseForFolder(QLineEdit* target, const QString& title)
{
    const QString dir = QFileDialog::getExistingDirectory(this, title, target->text());
    if (!dir.isEmpty())
        target->setText(dir);
}

void PlaygroundView::setRunning(bool running)
{
    m_generate->setEnabled(!running);
    m_stop->setEnabled(running);
}

void PlaygroundView::startGeneration()
{
    if (!m_generate->isEnabled())
        return;
    GenerationRequest request;
    request.modelDir = m_modelDir->text().trimmed();
    request.tokenizerPath = m_tokenizerPath->text().trimmed();
    if (request.modelDir.isEmpty() || request.tokenizerPath.isEmpty()) {
        showStatus(tr("Choose a model folder and a tokenizer first"));
        return;
    }
    request.prompt = m_prompt->toPlainText();
    request.device = m_device->currentText();
    request.temperature = m_temperature->value();
    request.topK = m_topK->value();
    request.topP = m_topP->value();
    request.maxNewTokens = m_maxNew->value();
    request.seed = static_cast<quint64>(m_seed->value());
    m_output->clear();
    setRunning(true);
    QMetaObject::invokeMethod(m_worker, "generate", Qt::QueuedConnection,
                              Q_ARG(cpo::ui::GenerationRequest, request));
}

void PlaygroundView::stopGeneration() { m_worker->requestStop(); }

} // namespace cpo::ui
