// The dataset section: its kind, that kind's options, the limits every text dataset shares,
// and a preview of the first records of the file it names.
#include "setup/form_sections.h"

#include "setup/dataset_preview_pane.h"
#include "setup/experiment_document.h"
#include "setup/experiment_edits.h"
#include "setup/form_fields.h"

#include <QtCore/QFileInfo>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QGroupBox>

namespace cpo::ui {
namespace {

using Kind = FieldEditor::Kind;

// What the preview shows for the document: the records of an instruction file or a text
// corpus that exists, measured in the tokenizer's tokens where it names one; else nothing.
DatasetPreviewRequest previewRequest(const ExperimentDocument& document)
{
    DatasetPreviewRequest request;
    request.kind = QString::fromStdString(document.text("dataset.kind"));
    if (request.kind == QLatin1String("instruction_jsonl") ||
        request.kind == QLatin1String("text_corpus")) {
        const std::string prefix = "dataset." + request.kind.toStdString();
        request.path = QString::fromStdString(document.text(prefix + ".path"));
        if (const auto* fields = document.find(prefix + ".fields"))
            request.fieldsJson = QString::fromStdString(fields->dump());
        request.tokenizerPath = QString::fromStdString(document.find("tokenizer.path")
                                                           ? document.text("tokenizer.path")
                                                           : document.text("model.path"));
        if (!QFileInfo::exists(request.path))
            request.path.clear();
    }
    return request;
}

} // namespace

QGroupBox* FormSections::dataset(DatasetPreviewPane*& preview) const
{
    QFormLayout* form = nullptr;
    auto* box =
        m_fields.section(tr("Dataset (drop a .jsonl or .txt file here)"), "dataset", form);
    m_fields.add(form, tr("Kind"), "dataset.kind", Kind::Choice, datasetKinds(),
                 [this](const nlohmann::json& kind) {
                     m_edits.setDatasetKind(kind.get<std::string>());
                 });
    const auto kindIs = [this](const char* kind) {
        return [this, kind] { return m_document.text("dataset.kind") == kind; };
    };
    auto* oracle = m_fields.panel(form, kindIs("oracle"));
    m_fields.sectionMessage("dataset.oracle", oracle);
    m_fields.add(oracle, tr("Symbols"), "dataset.oracle.symbols", Kind::Number);
    m_fields.add(oracle, tr("Prefix tokens"), "dataset.oracle.prefix_tokens", Kind::Number);
    m_fields.add(oracle, tr("Continuation tokens"), "dataset.oracle.continuation_tokens",
                 Kind::Number);
    m_fields.add(oracle, tr("Training examples"), "dataset.oracle.train_examples",
                 Kind::Number);
    m_fields.add(oracle, tr("Teacher seed"), "dataset.oracle.seed", Kind::Number);
    auto* jsonl = m_fields.panel(form, kindIs("instruction_jsonl"));
    m_fields.sectionMessage("dataset.instruction_jsonl", jsonl);
    m_fields.add(jsonl, tr("File"), "dataset.instruction_jsonl.path", Kind::File);
    m_fields.add(jsonl, tr("Fields"), "dataset.instruction_jsonl.fields", Kind::Choice,
                 {"dolly", "alpaca", "prompt_response"});
    auto* corpus = m_fields.panel(form, kindIs("text_corpus"));
    m_fields.sectionMessage("dataset.text_corpus", corpus);
    m_fields.add(corpus, tr("File or folder"), "dataset.text_corpus.path", Kind::File);
    m_fields.add(corpus, tr("Prefix tokens"), "dataset.text_corpus.prefix_tokens",
                 Kind::Number);
    m_fields.add(corpus, tr("Continuation tokens"), "dataset.text_corpus.continuation_tokens",
                 Kind::Number);
    auto* debian = m_fields.panel(form, kindIs("debian_packages"));
    m_fields.sectionMessage("dataset.debian_packages", debian);
    m_fields.add(debian, tr("Packages"), "dataset.debian_packages.examples", Kind::Number);
    auto* text =
        m_fields.panel(form, [this] { return m_document.text("dataset.kind") != "oracle"; });
    m_fields.add(text, tr("Max prefix tokens"), "dataset.max_prefix_tokens", Kind::Number);
    m_fields.add(text, tr("Max continuation tokens"), "dataset.max_continuation_tokens",
                 Kind::Number);
    m_fields.sectionMessage("dataset.splits", text);
    m_fields.add(text, tr("Validation share"), "dataset.splits.validation", Kind::Number);
    m_fields.add(text, tr("Test share"), "dataset.splits.test", Kind::Number);
    preview = new DatasetPreviewPane;
    form->addRow(preview);
    m_fields.onRefresh(
        [this, pane = preview] { pane->request(previewRequest(m_document)); });
    return box;
}

} // namespace cpo::ui
