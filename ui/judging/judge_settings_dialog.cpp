#include "judging/judge_settings_dialog.h"

#include "eval/chat_connection_test.h"

#include <QtCore/QFile>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QThread>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QDoubleSpinBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QVBoxLayout>

#include <memory>

namespace cpo::ui {

JudgeSettingsDialog::JudgeSettingsDialog(QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("Judge settings"));
    m_endpoint = new QLineEdit(QStringLiteral("http://127.0.0.1:8080"));
    m_endpoint->setToolTip(tr("The server's base URL; /v1/chat/completions is added"));
    m_model = new QLineEdit;
    m_keyVariable = new QLineEdit(QStringLiteral("OPENAI_API_KEY"));
    m_keyVariable->setToolTip(tr("The name of the environment variable holding the key (the "
                                 "key itself is never stored); empty: no key"));
    m_template = new QLineEdit(QStringLiteral("resources/judges/pairwise.txt"));
    m_concurrency = new QSpinBox;
    m_concurrency->setRange(1, 64);
    m_concurrency->setValue(4);
    m_maxRequests = new QSpinBox;
    m_maxRequests->setRange(1, 10000000);
    m_maxRequests->setValue(10000);
    m_maxTokens = new QSpinBox;
    m_maxTokens->setRange(1, 4096);
    m_maxTokens->setValue(16);
    m_timeout = new QDoubleSpinBox;
    m_timeout->setRange(1, 600);
    m_timeout->setValue(60);
    m_timeout->setSuffix(tr(" s"));
    m_test = new QPushButton(tr("Test connection"));
    m_result = new QLabel;
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* form = new QFormLayout;
    form->addRow(tr("Endpoint"), m_endpoint);
    form->addRow(tr("Model"), m_model);
    form->addRow(tr("API key variable"), m_keyVariable);
    form->addRow(tr("Prompt template"), m_template);
    form->addRow(tr("Requests in flight"), m_concurrency);
    form->addRow(tr("Requests per evaluation (cap)"), m_maxRequests);
    form->addRow(tr("Answer tokens (cap)"), m_maxTokens);
    form->addRow(tr("Timeout per request"), m_timeout);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Close);
    buttons->addButton(m_test, QDialogButtonBox::ActionRole);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_result);
    layout->addWidget(buttons);
    connect(m_test, &QPushButton::clicked, this, &JudgeSettingsDialog::testConnection);
    connect(buttons, &QDialogButtonBox::accepted, this, &JudgeSettingsDialog::save);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

engine::ChatJudgeConfig JudgeSettingsDialog::settings() const
{
    engine::ChatJudgeConfig out;
    out.baseUrl = m_endpoint->text().trimmed().toStdString();
    out.model = m_model->text().trimmed().toStdString();
    out.apiKeyEnv = m_keyVariable->text().trimmed().toStdString();
    out.templateFile = m_template->text().trimmed().toStdString();
    out.concurrency = m_concurrency->value();
    out.maxRequests = m_maxRequests->value();
    out.maxTokens = m_maxTokens->value();
    out.timeoutSeconds = m_timeout->value();
    return out;
}

void JudgeSettingsDialog::setSettings(const engine::ChatJudgeConfig& settings)
{
    m_endpoint->setText(QString::fromStdString(settings.baseUrl));
    m_model->setText(QString::fromStdString(settings.model));
    m_keyVariable->setText(QString::fromStdString(settings.apiKeyEnv));
    m_template->setText(QString::fromStdString(settings.templateFile.string()));
    m_concurrency->setValue(static_cast<int>(settings.concurrency));
    m_maxRequests->setValue(static_cast<int>(settings.maxRequests));
    m_maxTokens->setValue(static_cast<int>(settings.maxTokens));
    m_timeout->setValue(settings.timeoutSeconds);
}

QString JudgeSettingsDialog::testResult() const { return m_result->text(); }

void JudgeSettingsDialog::testConnection()
{
    m_test->setEnabled(false);
    m_result->setText(tr("Testing…"));
    const auto config = settings();
    // The answer comes back through the thread's finished signal: a dialog closed meanwhile
    // is disconnected from it and the thread cleans up after itself.
    auto check = std::make_shared<eval::ConnectionCheck>();
    auto* thread = QThread::create([config, check] { *check = eval::testChatConnection(config); });
    connect(thread, &QThread::finished, this, [this, check] {
        m_test->setEnabled(true);
        m_result->setText(QString::fromStdString(check->message));
        Q_EMIT tested(check->ok, QString::fromStdString(check->message));
    });
    connect(thread, &QThread::finished, thread, &QObject::deleteLater);
    thread->start();
}

void JudgeSettingsDialog::save()
{
    const QString file = QFileDialog::getSaveFileName(this, tr("Save judge config"),
                                                      QStringLiteral("judge.json"),
                                                      tr("JSON (*.json)"));
    if (file.isEmpty())
        return;
    const auto s = settings();
    const QJsonObject json{{QStringLiteral("kind"), QStringLiteral("openai")},
                           {QStringLiteral("base_url"), QString::fromStdString(s.baseUrl)},
                           {QStringLiteral("model"), QString::fromStdString(s.model)},
                           {QStringLiteral("api_key_env"), QString::fromStdString(s.apiKeyEnv)},
                           {QStringLiteral("template"),
                            QString::fromStdString(s.templateFile.string())},
                           {QStringLiteral("concurrency"), static_cast<qint64>(s.concurrency)},
                           {QStringLiteral("max_requests"), static_cast<qint64>(s.maxRequests)},
                           {QStringLiteral("max_tokens"), static_cast<qint64>(s.maxTokens)},
                           {QStringLiteral("timeout_s"), s.timeoutSeconds}};
    QFile out(file);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate)
        || out.write(QJsonDocument(json).toJson()) < 0) {
        m_result->setText(tr("%1: cannot write it (%2)").arg(file, out.errorString()));
        return;
    }
    m_result->setText(tr("Saved %1: give it to `cpo eval --judge` or the α view").arg(file));
    Q_EMIT saved(file);
}

} // namespace cpo::ui
