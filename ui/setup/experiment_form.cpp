#include "setup/experiment_form.h"

#include "setup/dataset_preview_pane.h"
#include "setup/field_editor.h"
#include "setup/queue_grid_dialog.h"

#include "util/error.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QMimeData>
#include <QtGui/QClipboard>
#include <QtGui/QDragEnterEvent>
#include <QtGui/QDropEvent>
#include <QtGui/QResizeEvent>
#include <QtGui/QGuiApplication>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QGroupBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QScrollArea>
#include <QtWidgets/QVBoxLayout>

namespace cpo::ui {
namespace {

using nlohmann::json;
using Kind = FieldEditor::Kind;

const QStringList kDatasetKinds{"oracle", "instruction_jsonl", "text_corpus",
                                "debian_packages"};
const QStringList kSamplers{"mix", "an", "bn", "mn", "tn"};
const QStringList kSchedules{"constant", "linear", "cosine"};

// What a section switched on for the first time starts with: the demo's small model, and
// an empty path for the user to fill in (reported as missing until they do).
const json kDefaultInit = {{"arch", "gpt2"}, {"hidden_size", 48}, {"num_layers", 2},
                           {"num_heads", 4}, {"max_positions", 64}};

std::string parentOf(const std::string& path)
{
    // "eval.alphas[2]" → "eval.alphas": an item's problem is shown at its list's field.
    if (!path.empty() && path.back() == ']')
        if (const auto open = path.rfind('['); open != std::string::npos)
            return path.substr(0, open);
    const auto dot = path.rfind('.');
    return dot == std::string::npos ? std::string() : path.substr(0, dot);
}

} // namespace

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
    left->addWidget(buildGeneral());
    left->addWidget(buildModel());
    left->addWidget(buildTokenizer());
    left->addWidget(buildDataset());
    left->addStretch(1);
    right->addWidget(buildMle());
    right->addWidget(buildCpo());
    right->addWidget(buildEval());
    right->addWidget(buildOutput());
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

QGroupBox* ExperimentForm::section(const QString& title, const std::string& path,
                                   QFormLayout*& form)
{
    auto* box = new QGroupBox(title);
    form = new QFormLayout(box);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    sectionMessage(path, form);
    return box;
}

QLabel* ExperimentForm::sectionMessage(const std::string& path, QFormLayout* form)
{
    auto* label = new QLabel;
    label->setWordWrap(true);
    label->setStyleSheet(QStringLiteral("color: #c0392b;"));
    label->hide();
    form->addRow(label);
    m_sectionMessages[path] = label;
    return label;
}

ExperimentForm::Panel* ExperimentForm::panel(QFormLayout* form, std::function<bool()> visible)
{
    m_panels.push_back(std::make_unique<Panel>(Panel{form, std::move(visible), {}}));
    return m_panels.back().get();
}

FieldEditor* ExperimentForm::add(Panel* panel, const QString& label, const std::string& path,
                                 int kind, const QStringList& choices)
{
    auto* editor = add(panel->form, label, path, kind, choices);
    panel->rows.push_back(editor);
    return editor;
}

QLabel* ExperimentForm::sectionMessage(const std::string& path, Panel* panel)
{
    auto* label = sectionMessage(path, panel->form);
    panel->rows.push_back(label);
    return label;
}

FieldEditor* ExperimentForm::add(QFormLayout* form, const QString& label,
                                 const std::string& path, int kind, const QStringList& choices)
{
    auto* editor = new FieldEditor(path, static_cast<Kind>(kind));
    editor->setChoices(choices);
    form->addRow(label, editor);
    m_fields.push_back(editor);
    connect(editor, &FieldEditor::edited, this, [this, editor] {
        if (editor->path() == "dataset.kind")
            setDatasetKind(editor->value().get<std::string>());
        else if (editor->path() == "cpo.sampler")
            setSampler(editor->value().get<std::string>());
        else
            m_document.set(editor->path(), editor->value());
    });
    return editor;
}

QGroupBox* ExperimentForm::buildGeneral()
{
    QFormLayout* form = nullptr;
    auto* box = section(tr("Experiment"), "", form); // also shows problems of the whole file
    add(form, tr("Name"), "name", int(Kind::Text));
    add(form, tr("Description"), "description", int(Kind::Text));
    add(form, tr("Seed"), "seed", int(Kind::Number));
    add(form, tr("Device"), "device", int(Kind::Text))
        ->setToolTip(tr("auto, cpu, cuda or cuda:N"));
    add(form, tr("Threads"), "threads", int(Kind::Number))
        ->setToolTip(tr("0 = LibTorch's default (measured best on small machines)"));
    return box;
}

QGroupBox* ExperimentForm::buildModel()
{
    QFormLayout* form = nullptr;
    auto* box = section(tr("Model"), "model", form);
    m_modelSource = new FormComboBox;
    m_modelSource->addItems({tr("Train from scratch"), tr("Hugging Face folder")});
    form->addRow(tr("Start from"), m_modelSource);
    connect(m_modelSource, &QComboBox::activated, this, [this](int index) {
        if (index == 1)
            swapSubtree("model", {{"path", ""}});
        else
            swapSubtree("model", {{"init", kDefaultInit}});
    });
    auto hasInit = [this] { return m_document.find("model.init") != nullptr; };
    auto* path = panel(form, [this] { return m_document.find("model.path") != nullptr; });
    add(path, tr("Folder"), "model.path", int(Kind::Folder));
    auto* init = panel(form, hasInit);
    sectionMessage("model.init", init);
    add(init, tr("Architecture"), "model.init.arch", int(Kind::Choice), {"gpt2", "llama"});
    add(init, tr("Hidden size"), "model.init.hidden_size", int(Kind::Number));
    add(init, tr("Layers"), "model.init.num_layers", int(Kind::Number));
    add(init, tr("Heads"), "model.init.num_heads", int(Kind::Number));
    add(init, tr("Max positions"), "model.init.max_positions", int(Kind::Number));
    return box;
}

QGroupBox* ExperimentForm::buildTokenizer()
{
    QFormLayout* form = nullptr;
    auto* box = section(tr("Tokenizer"), "tokenizer", form);
    m_tokenizerSource = new FormComboBox;
    m_tokenizerSource->addItems({tr("None: the oracle's symbols or the model folder's"),
                                 tr("Tokenizer files"), tr("Train SentencePiece on the data")});
    form->addRow(tr("Vocabulary"), m_tokenizerSource);
    connect(m_tokenizerSource, &QComboBox::activated, this, [this](int index) {
        if (index == 0)
            swapSubtree("tokenizer", json());
        else if (index == 1)
            swapSubtree("tokenizer", {{"path", ""}});
        else
            swapSubtree("tokenizer", {{"train_sentencepiece", json::object()}});
    });
    auto* path = panel(form, [this] { return m_document.find("tokenizer.path") != nullptr; });
    add(path, tr("Path"), "tokenizer.path", int(Kind::File))
        ->setToolTip(tr("A folder with vocab.json + merges.txt, a tokenizer.json or a "
                        "SentencePiece tokenizer.model"));
    auto* train = panel(form, [this] {
        return m_document.find("tokenizer.train_sentencepiece") != nullptr;
    });
    add(train, tr("Vocabulary size"), "tokenizer.train_sentencepiece.vocab_size",
        int(Kind::Number));
    return box;
}

QGroupBox* ExperimentForm::buildDataset()
{
    QFormLayout* form = nullptr;
    auto* box = section(tr("Dataset (drop a .jsonl or .txt file here)"), "dataset", form);
    add(form, tr("Kind"), "dataset.kind", int(Kind::Choice), kDatasetKinds);
    const auto kindIs = [this](const char* kind) {
        return [this, kind] { return text("dataset.kind") == kind; };
    };
    auto* oracle = panel(form, kindIs("oracle"));
    sectionMessage("dataset.oracle", oracle);
    add(oracle, tr("Symbols"), "dataset.oracle.symbols", int(Kind::Number));
    add(oracle, tr("Prefix tokens"), "dataset.oracle.prefix_tokens", int(Kind::Number));
    add(oracle, tr("Continuation tokens"), "dataset.oracle.continuation_tokens",
        int(Kind::Number));
    add(oracle, tr("Training examples"), "dataset.oracle.train_examples", int(Kind::Number));
    add(oracle, tr("Teacher seed"), "dataset.oracle.seed", int(Kind::Number));
    auto* jsonl = panel(form, kindIs("instruction_jsonl"));
    sectionMessage("dataset.instruction_jsonl", jsonl);
    add(jsonl, tr("File"), "dataset.instruction_jsonl.path", int(Kind::File));
    add(jsonl, tr("Fields"), "dataset.instruction_jsonl.fields", int(Kind::Choice),
        {"dolly", "alpaca", "prompt_response"});
    auto* corpus = panel(form, kindIs("text_corpus"));
    sectionMessage("dataset.text_corpus", corpus);
    add(corpus, tr("File or folder"), "dataset.text_corpus.path", int(Kind::File));
    add(corpus, tr("Prefix tokens"), "dataset.text_corpus.prefix_tokens", int(Kind::Number));
    add(corpus, tr("Continuation tokens"), "dataset.text_corpus.continuation_tokens",
        int(Kind::Number));
    auto* debian = panel(form, kindIs("debian_packages"));
    sectionMessage("dataset.debian_packages", debian);
    add(debian, tr("Packages"), "dataset.debian_packages.examples", int(Kind::Number));
    auto* text = panel(form, [this] { return this->text("dataset.kind") != "oracle"; });
    add(text, tr("Max prefix tokens"), "dataset.max_prefix_tokens", int(Kind::Number));
    add(text, tr("Max continuation tokens"), "dataset.max_continuation_tokens",
        int(Kind::Number));
    sectionMessage("dataset.splits", text);
    add(text, tr("Validation share"), "dataset.splits.validation", int(Kind::Number));
    add(text, tr("Test share"), "dataset.splits.test", int(Kind::Number));
    m_preview = new DatasetPreviewPane;
    form->addRow(m_preview);
    return box;
}

QGroupBox* ExperimentForm::buildMle()
{
    QFormLayout* form = nullptr;
    m_mle = section(tr("MLE phase"), "mle", form);
    m_mle->setCheckable(true);
    connect(m_mle, &QGroupBox::clicked, this, [this](bool on) { setPhase("mle", on); });
    add(form, tr("Steps"), "mle.steps", int(Kind::Number));
    add(form, tr("Batch size"), "mle.batch_size", int(Kind::Number));
    add(form, tr("Learning rate"), "mle.lr", int(Kind::Number));
    add(form, tr("Warmup steps"), "mle.warmup_steps", int(Kind::Number));
    add(form, tr("Schedule"), "mle.schedule", int(Kind::Choice), kSchedules);
    add(form, tr("Validate every"), "mle.eval_every", int(Kind::Number));
    add(form, tr("Checkpoint every"), "mle.checkpoint_every", int(Kind::Number));
    return m_mle;
}

QGroupBox* ExperimentForm::buildCpo()
{
    QFormLayout* form = nullptr;
    m_cpo = section(tr("CPO phase"), "cpo", form);
    m_cpo->setCheckable(true);
    connect(m_cpo, &QGroupBox::clicked, this, [this](bool on) { setPhase("cpo", on); });
    add(form, tr("Steps"), "cpo.steps", int(Kind::Number));
    add(form, tr("Batch size"), "cpo.batch_size", int(Kind::Number));
    add(form, tr("Learning rate"), "cpo.lr", int(Kind::Number));
    add(form, tr("K (candidates)"), "cpo.k", int(Kind::Number))
        ->setToolTip(tr("y1 and K − 1 negatives; K = 2 is DPO on synthetic pairs"));
    add(form, tr("β"), "cpo.beta", int(Kind::Number));
    add(form, tr("λ (extra MLE term)"), "cpo.lambda_mle", int(Kind::Number));
    add(form, tr("Negative sampler"), "cpo.sampler", int(Kind::Choice), kSamplers);
    auto* mix = panel(form, [this] { return text("cpo.sampler") == "mix"; });
    sectionMessage("cpo.mix_weights", mix);
    add(mix, tr("MixN weight AN"), "cpo.mix_weights.an", int(Kind::Number));
    add(mix, tr("MixN weight BN"), "cpo.mix_weights.bn", int(Kind::Number));
    add(mix, tr("MixN weight MN"), "cpo.mix_weights.mn", int(Kind::Number));
    add(mix, tr("MixN weight TN"), "cpo.mix_weights.tn", int(Kind::Number));
    auto* mn = panel(form, [this] {
        const auto sampler = text("cpo.sampler");
        return sampler == "mn" || sampler == "mix";
    });
    add(mn, tr("MN fraction"), "cpo.mn_fraction", int(Kind::Number));
    auto* an = panel(form, [this] {
        const auto sampler = text("cpo.sampler");
        return sampler == "an" || sampler == "mix";
    });
    sectionMessage("cpo.an", an);
    add(an, tr("AN temperature"), "cpo.an.temperature", int(Kind::Number));
    add(an, tr("AN top-k"), "cpo.an.top_k", int(Kind::Number));
    add(an, tr("AN top-p"), "cpo.an.top_p", int(Kind::Number));
    add(an, tr("AN max new tokens"), "cpo.an.max_new_tokens", int(Kind::Number));
    add(form, tr("Ranking (Plackett–Luce)"), "cpo.ranking", int(Kind::Bool));
    auto* ranking = panel(form, [this] { return text("cpo.ranking") == "true"; });
    add(ranking, tr("Embedding model"), "cpo.embedding_model", int(Kind::Folder))
        ->setToolTip(tr("Empty: π_ref's own hidden states"));
    add(form, tr("Samples every"), "cpo.samples_every", int(Kind::Number));
    add(form, tr("Checkpoint every"), "cpo.checkpoint_every", int(Kind::Number));
    return m_cpo;
}

QGroupBox* ExperimentForm::buildEval()
{
    QFormLayout* form = nullptr;
    m_eval = section(tr("Evaluation (win rates against the ground truth)"), "eval", form);
    m_eval->setCheckable(true);
    connect(m_eval, &QGroupBox::clicked, this, [this](bool on) { setPhase("eval", on); });
    add(form, tr("Evaluate every"), "eval.every", int(Kind::Number))
        ->setToolTip(tr("Judge each phase's model every N of its steps; 0: only after "
                        "training"));
    add(form, tr("Prompts"), "eval.examples", int(Kind::Number))
        ->setToolTip(tr("The first N test prompts; 0: all of them"));
    add(form, tr("Judge"), "eval.judge", int(Kind::File))
        ->setToolTip(tr("A judge file (experiments/judges/); empty: the oracle judge, on the "
                        "oracle task only"));
    sectionMessage("eval.decoding", form);
    add(form, tr("Temperature"), "eval.decoding.temperature", int(Kind::Number))
        ->setToolTip(tr("0: greedy"));
    add(form, tr("Top-k"), "eval.decoding.top_k", int(Kind::Number))
        ->setToolTip(tr("0: no top-k cut"));
    add(form, tr("Top-p"), "eval.decoding.top_p", int(Kind::Number))
        ->setToolTip(tr("1: no nucleus cut"));
    add(form, tr("Max new tokens"), "eval.decoding.max_new_tokens", int(Kind::Number))
        ->setToolTip(tr("0: the longest ground truth of the prompts"));
    add(form, tr("Decoding seed"), "eval.decoding.seed", int(Kind::Number))
        ->setToolTip(tr("0: the experiment's seed"));
    add(form, tr("Ensemble α"), "eval.alphas", int(Kind::NumberList))
        ->setToolTip(tr("Weights of θ_MLE in α·θ_MLE + (1 − α)·θ_CPO judged after training, "
                        "comma-separated (e.g. 0.25, 0.5, 0.75); empty: no α sweep"));
    return m_eval;
}

QGroupBox* ExperimentForm::buildOutput()
{
    QFormLayout* form = nullptr;
    auto* box = section(tr("Output"), "output", form);
    add(form, tr("Runs folder"), "output.dir", int(Kind::Folder))
        ->setToolTip(tr("Empty: the default runs folder"));
    return box;
}

// ---- editing -------------------------------------------------------------------------------

void ExperimentForm::swapSubtree(const std::string& path, const json& value)
{
    // Stashed by shape ("model#init", "model#path"), so switching back finds the old one.
    const auto shape = [&path](const json& subtree) {
        return path + "#" + (subtree.is_object() && !subtree.empty() ? subtree.begin().key()
                                                                      : std::string());
    };
    if (const json* old = m_document.find(path))
        m_stash[shape(*old)] = *old;
    const auto stashed = m_stash.find(shape(value));
    m_document.set(path, value.is_null() || stashed == m_stash.end() ? value : *stashed);
}

void ExperimentForm::setPhase(const std::string& path, bool on)
{
    if (on) {
        const auto stashed = m_stash.find(path);
        m_document.set(path, stashed != m_stash.end() ? *stashed : json::object());
        return;
    }
    if (const json* old = m_document.find(path))
        m_stash[path] = *old;
    m_document.set(path, json());
}

void ExperimentForm::setDatasetKind(const std::string& kind)
{
    json dataset = m_document.find("dataset") ? *m_document.find("dataset") : json::object();
    for (const auto& other : kDatasetKinds) {
        const auto key = other.toStdString();
        if (key != kind && dataset.contains(key)) {
            m_stash["dataset." + key] = dataset[key];
            dataset.erase(key);
        }
    }
    dataset["kind"] = kind;
    if (!dataset.contains(kind)) {
        const auto stashed = m_stash.find("dataset." + kind);
        if (stashed != m_stash.end())
            dataset[kind] = *stashed;
        else if (kind == "instruction_jsonl" || kind == "text_corpus")
            dataset[kind] = {{"path", ""}};
    }
    m_document.set("dataset", dataset);
}

void ExperimentForm::setSampler(const std::string& sampler)
{
    json cpo = m_document.find("cpo") ? *m_document.find("cpo") : json::object();
    if (sampler != "mix" && cpo.contains("mix_weights")) {
        m_stash["cpo.mix_weights"] = cpo["mix_weights"];
        cpo.erase("mix_weights");
    } else if (sampler == "mix" && m_stash.contains("cpo.mix_weights")) {
        cpo["mix_weights"] = m_stash["cpo.mix_weights"];
    }
    cpo["sampler"] = sampler;
    m_document.set("cpo", cpo);
}

void ExperimentForm::setDatasetPath(const QString& path)
{
    const QFileInfo info(path);
    const bool records = info.suffix() == QLatin1String("jsonl") ||
                         info.suffix() == QLatin1String("json");
    const std::string kind = records ? "instruction_jsonl" : "text_corpus";
    setDatasetKind(kind);
    m_document.set("dataset." + kind + ".path", info.absoluteFilePath().toStdString());
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
    m_stash = json::object();
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
    m_stash = json::object();
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
    const QString suggested = QString::fromStdString(text("name")) + QStringLiteral(".json");
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
            .arg(QString::fromStdString(text("name"))),
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

// ---- drag and drop -------------------------------------------------------------------------

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

std::string ExperimentForm::text(const std::string& path) const
{
    const json* value = m_document.find(path);
    if (!value)
        value = m_document.effective(path);
    if (!value)
        return {};
    return value->is_string() ? value->get<std::string>() : value->dump();
}

void ExperimentForm::refresh()
{
    for (auto* field : m_fields)
        field->display(m_document.find(field->path()), m_document.effective(field->path()));
    m_hiddenRows.clear();
    for (const auto& panel : m_panels) {
        const bool visible = panel->visible();
        for (auto* row : panel->rows) {
            panel->form->setRowVisible(row, visible);
            if (!visible)
                m_hiddenRows.insert(row);
        }
    }
    m_modelSource->setCurrentIndex(m_document.find("model.path") ? 1 : 0);
    m_tokenizerSource->setCurrentIndex(
        m_document.find("tokenizer.path") ? 1
        : m_document.find("tokenizer.train_sentencepiece") ? 2 : 0);
    // A switched-off phase keeps its fields in view, disabled by its unchecked group box.
    m_mle->setChecked(m_document.find("mle") != nullptr);
    m_cpo->setChecked(m_document.find("cpo") != nullptr);
    m_eval->setChecked(m_document.find("eval") != nullptr);
    refreshMessages();
    requestPreview();
}

void ExperimentForm::refreshMessages()
{
    std::map<std::string, QStringList> messages;
    for (const auto& issue : m_document.issues()) {
        const std::string at = shownAt(issue.path);
        QString message = QString::fromStdString(issue.message);
        if (at != issue.path)
            message = QString::fromStdString(issue.path) + QStringLiteral(": ") + message;
        messages[at].append(message);
    }
    for (auto* field : m_fields) {
        const auto it = messages.find(field->path());
        field->setMessage(it == messages.end() ? QString() : it->second.join('\n'));
    }
    for (const auto& [path, label] : m_sectionMessages) {
        const auto it = messages.find(path);
        label->setText(it == messages.end() ? QString() : it->second.join('\n'));
        if (!m_hiddenRows.count(label))
            label->setVisible(it != messages.end());
    }
    const auto problems = m_document.issues().size();
    m_summary->setText(problems == 0 ? tr("✔ ready to run")
                                     : tr("✘ %n problem(s)", nullptr, int(problems)));
    m_summary->setStyleSheet(problems == 0 ? QStringLiteral("color: #1e8449;")
                                           : QStringLiteral("color: #c0392b;"));
}

void ExperimentForm::requestPreview()
{
    DatasetPreviewRequest request;
    request.kind = QString::fromStdString(text("dataset.kind"));
    if (request.kind == QLatin1String("instruction_jsonl") ||
        request.kind == QLatin1String("text_corpus")) {
        const std::string prefix = "dataset." + request.kind.toStdString();
        request.path = QString::fromStdString(text(prefix + ".path"));
        if (const json* fields = m_document.find(prefix + ".fields"))
            request.fieldsJson = QString::fromStdString(fields->dump());
        request.tokenizerPath = QString::fromStdString(
            m_document.find("tokenizer.path") ? text("tokenizer.path") : text("model.path"));
        if (!QFileInfo::exists(request.path))
            request.path.clear();
    }
    m_preview->request(request);
}

std::string ExperimentForm::shownAt(std::string path) const
{
    const auto shown = [this](const QWidget* widget) {
        return widget && !m_hiddenRows.count(widget);
    };
    while (!path.empty()) {
        const auto section = m_sectionMessages.find(path);
        if (shown(field(path)) || (section != m_sectionMessages.end() && shown(section->second)))
            return path;
        path = parentOf(path);
    }
    return path;
}

FieldEditor* ExperimentForm::field(const std::string& path) const
{
    for (auto* field : m_fields)
        if (field->path() == path)
            return field;
    return nullptr;
}

QString ExperimentForm::messageFor(const std::string& path) const
{
    std::string at = path;
    while (true) {
        if (auto* f = field(at); f && !f->message().isEmpty())
            return f->message();
        if (const auto it = m_sectionMessages.find(at);
            it != m_sectionMessages.end() && !it->second->text().isEmpty())
            return it->second->text();
        if (at.empty())
            return {};
        at = parentOf(at);
    }
}

} // namespace cpo::ui
