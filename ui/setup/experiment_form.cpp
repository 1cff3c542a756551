#include "setup/experiment_form.h"

#include "setup/queue_grid_dialog.h"

#include "util/error.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QMimeData>
#include <QtGui/QClipboard>
#include <QtGui/QDragEnterEvent>
#include <QtGui/QDropEvent>
#include <QtGui/QGuiApplication>
#include <QtGui/QResizeEvent>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QGroupBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QScrollArea>
#include <QtWidgets/QVBoxLayout>

namespace cpo::ui {

using nlohmann::json;

ExperimentForm::ExperimentForm(QWidget* parent) : QWidget(parent)
{
    setAcceptDrops(true);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(buildToolbar());

    auto* content = new QWidget;
    auto* columns = new QHBoxLayout(content);
    auto* left = new QVBoxLayout;
    auto* right = new QVBoxLayout;
    columns->addLayout(left, 1);
    columns->addLayout(right, 1);
    m_columns = columns;
    m_left = left;
    m_right = right;
    left->addWidget(m_sections.experiment());
    left->addWidget(m_sections.model());
    left->addWidget(m_sections.tokenizer());
    left->addWidget(m_sections.dataset(m_preview));
    left->addStretch(1);
    right->addWidget(m_sections.mle());
    right->addWidget(m_sections.cpo());
    right->addWidget(m_sections.evaluation());
    right->addWidget(m_sections.output());
    right->addStretch(1);
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setWidget(content);
    layout->addWidget(scroll, 1);

    connect(&m_document, &ExperimentDocument::changed, this, &ExperimentForm::refresh);
    connect(&m_document, &ExperimentDocument::validityChanged, this,
            &ExperimentForm::validityChanged);
    connect(&m_document, &ExperimentDocument::modifiedChanged, this,
            &ExperimentForm::modifiedChanged);
    connect(&m_document, &ExperimentDocument::fileNameChanged, this,
            &ExperimentForm::fileNameChanged);
    refresh();
}

// ---- building ----------------------------------------------------------------------------

QWidget* ExperimentForm::buildToolbar()
{
    auto* bar = new QWidget(this);
    auto* row = new QHBoxLayout(bar);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(new QLabel(tr("Preset:"), bar));
    m_presets = new QComboBox(bar);
    m_presets->setPlaceholderText(tr("experiments/…"));
    m_presets->setMinimumContentsLength(18);
    row->addWidget(m_presets);
    connect(m_presets, &QComboBox::activated, this, [this](int index) {
        const QString file = m_presets->itemData(index).toString();
        if (isModified() &&
            QMessageBox::question(this, tr("Discard changes?"),
                                  tr("The experiment has unsaved changes. Open %1 instead?")
                                      .arg(QFileInfo(file).fileName())) != QMessageBox::Yes) {
            return;
        }
        openFile(file);
    });
    auto* cli = new QPushButton(tr("Copy as CLI command"), bar);
    cli->setToolTip(tr("cpo run FILE --set … for every field changed since the file was saved"));
    connect(cli, &QPushButton::clicked, this, &ExperimentForm::copyCliCommand);
    row->addWidget(cli);
    auto* grid = new QPushButton(tr("Queue grid…"), bar);
    grid->setToolTip(tr("Write a queue file that runs this experiment over a grid of values"));
    connect(grid, &QPushButton::clicked, this, &ExperimentForm::queueGrid);
    row->addWidget(grid);
    row->addStretch(1);
    m_summary = new QLabel(bar);
    row->addWidget(m_summary);
    return bar;
}

// ---- editing -------------------------------------------------------------------------------

void ExperimentForm::setDatasetPath(const QString& path)
{
    m_edits.setDatasetPath(path);
}

bool ExperimentForm::applyOverrides(const QStringList& assignments)
{
    json edited = m_document.content();
    try {
        for (const auto& assignment : assignments)
            engine::applyOverride(edited, assignment.toStdString());
    } catch (const Error& e) {
        report(QString::fromUtf8(e.what()));
        return false;
    }
    m_document.setJson(std::move(edited));
    return true;
}

void ExperimentForm::cloneSetup(const QString& experimentJson, const QString& runName)
{
    json setup = json::parse(experimentJson.toStdString(), nullptr, false);
    if (!setup.is_object()) {
        report(tr("run %1: its stored experiment is not a JSON object").arg(runName));
        return;
    }
    setup["name"] = (runName + QStringLiteral(" (copy)")).toStdString();
    m_edits.forget();
    m_document.reset(std::move(setup));
}

// ---- files ---------------------------------------------------------------------------------

bool ExperimentForm::openFile(const QString& file)
{
    try {
        m_document.open(file);
    } catch (const Error& e) {
        report(QString::fromUtf8(e.what()));
        return false;
    }
    m_edits.forget();
    return true;
}

void ExperimentForm::report(const QString& message)
{
    m_lastProblem = message;
    Q_EMIT problem(message);
}

void ExperimentForm::open()
{
    const QString file = QFileDialog::getOpenFileName(
        this, tr("Open experiment"), m_presetFolder, tr("Experiments (*.json);;All files (*)"));
    if (!file.isEmpty() && !openFile(file))
        QMessageBox::warning(this, tr("Cannot open the experiment"), m_lastProblem);
}

bool ExperimentForm::save()
{
    return fileName().isEmpty() ? saveAs() : saveTo(fileName());
}

bool ExperimentForm::saveAs()
{
    const QString suggested =
        QString::fromStdString(m_document.text("name")) + QStringLiteral(".json");
    const QString file = QFileDialog::getSaveFileName(
        this, tr("Save experiment"),
        fileName().isEmpty() ? QDir::current().filePath(suggested) : fileName(),
        tr("Experiments (*.json)"));
    if (file.isEmpty())
        return false;
    if (!saveTo(file)) {
        QMessageBox::warning(this, tr("Cannot save the experiment"), m_lastProblem);
        return false;
    }
    return true;
}

bool ExperimentForm::saveTo(const QString& file)
{
    try {
        m_document.save(file);
    } catch (const Error& e) {
        report(QString::fromUtf8(e.what()));
        return false;
    }
    return true;
}

bool ExperimentForm::confirmClose()
{
    if (!isModified())
        return true;
    const auto answer = QMessageBox::question(
        this, tr("Unsaved experiment"),
        tr("The experiment %1 has unsaved changes. Save them?")
            .arg(QString::fromStdString(m_document.text("name"))),
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Save)
        return save();
    return answer == QMessageBox::Discard;
}

QString ExperimentForm::copyCliCommand()
{
    const QString command = m_document.cliCommand();
    if (command.isEmpty()) {
        report(tr("Save the experiment first: the command runs its file"));
        return {};
    }
    QGuiApplication::clipboard()->setText(command);
    return command;
}

void ExperimentForm::queueGrid()
{
    if (fileName().isEmpty() || isModified()) {
        report(tr("Save the experiment first: a queue file names it"));
        return;
    }
    QueueGridDialog dialog(fileName(), this);
    dialog.exec();
}

void ExperimentForm::setPresetFolder(const QString& folder)
{
    m_presetFolder = folder;
    fillPresets();
}

QString ExperimentForm::findPresetFolder()
{
    const QString fromEnvironment = qEnvironmentVariable("CPO_EXPERIMENTS_DIR");
    if (!fromEnvironment.isEmpty())
        return fromEnvironment;
    QDir dir(QCoreApplication::applicationDirPath());
    for (int up = 0; up < 5; ++up) {
        if (QFileInfo(dir.filePath(QStringLiteral("experiments/demo-oracle.json"))).isFile())
            return dir.filePath(QStringLiteral("experiments"));
        if (!dir.cdUp())
            break;
    }
    return {};
}

void ExperimentForm::fillPresets()
{
    m_presets->clear();
    const QDir dir(m_presetFolder);
    for (const auto& info : dir.entryInfoList({QStringLiteral("*.json")}, QDir::Files,
                                              QDir::Name)) {
        m_presets->addItem(info.completeBaseName(), info.absoluteFilePath());
    }
    m_presets->setCurrentIndex(-1);
}

// ---- layout, drag and drop -----------------------------------------------------------------------

void ExperimentForm::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    // Side by side the sections need both columns' natural widths (and the scroll bar's
    // room); squeezed below that they would be cut off at the dock's edge.
    const int sideBySide = m_left->sizeHint().width() + m_right->sizeHint().width() +
                           m_columns->spacing() + 40;
    m_columns->setDirection(width() >= sideBySide ? QBoxLayout::LeftToRight
                                                  : QBoxLayout::TopToBottom);
}

void ExperimentForm::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls() && event->mimeData()->urls().size() == 1 &&
        event->mimeData()->urls().front().isLocalFile()) {
        event->acceptProposedAction();
    }
}

void ExperimentForm::dropEvent(QDropEvent* event)
{
    setDatasetPath(event->mimeData()->urls().front().toLocalFile());
    event->acceptProposedAction();
}

// ---- showing -------------------------------------------------------------------------------

void ExperimentForm::refresh()
{
    m_fields.refresh();
    const auto problems = m_document.issues().size();
    m_summary->setText(problems == 0 ? tr("✔ ready to run")
                                     : tr("✘ %n problem(s)", nullptr, int(problems)));
    m_summary->setStyleSheet(problems == 0 ? QStringLiteral("color: #1e8449;")
                                           : QStringLiteral("color: #c0392b;"));
}

} // namespace cpo::ui
