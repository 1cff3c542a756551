// The sections about the model and its vocabulary: each starts from a choice of where they
// come from, and shows that choice's options.
#include "setup/form_sections.h"

#include "setup/experiment_document.h"
#include "setup/experiment_edits.h"
#include "setup/form_fields.h"

#include <QtWidgets/QFormLayout>
#include <QtWidgets/QGroupBox>

namespace cpo::ui {
namespace {

using nlohmann::json;
using Kind = FieldEditor::Kind;

// What a model trained from scratch starts with: the demo's small model.
const json kDefaultInit = {{"arch", "gpt2"}, {"hidden_size", 48}, {"num_layers", 2},
                           {"num_heads", 4}, {"max_positions", 64}};

} // namespace

QGroupBox* FormSections::model() const
{
    QFormLayout* form = nullptr;
    auto* box = m_fields.section(tr("Model"), "model", form);
    auto* source = new FormComboBox;
    source->addItems({tr("Train from scratch"), tr("Hugging Face folder")});
    form->addRow(tr("Start from"), source);
    // A folder starts as an empty path for the user to fill in (reported as missing).
    QObject::connect(source, &QComboBox::activated, source, [this](int index) {
        if (index == 1)
            m_edits.swapSubtree("model", {{"path", ""}});
        else
            m_edits.swapSubtree("model", {{"init", kDefaultInit}});
    });
    m_fields.onRefresh(
        [this, source] { source->setCurrentIndex(m_document.find("model.path") ? 1 : 0); });
    auto* path =
        m_fields.panel(form, [this] { return m_document.find("model.path") != nullptr; });
    m_fields.add(path, tr("Folder"), "model.path", Kind::Folder);
    auto* init =
        m_fields.panel(form, [this] { return m_document.find("model.init") != nullptr; });
    m_fields.sectionMessage("model.init", init);
    m_fields.add(init, tr("Architecture"), "model.init.arch", Kind::Choice, {"gpt2", "llama"});
    m_fields.add(init, tr("Hidden size"), "model.init.hidden_size", Kind::Number);
    m_fields.add(init, tr("Layers"), "model.init.num_layers", Kind::Number);
    m_fields.add(init, tr("Heads"), "model.init.num_heads", Kind::Number);
    m_fields.add(init, tr("Max positions"), "model.init.max_positions", Kind::Number);
    return box;
}

QGroupBox* FormSections::tokenizer() const
{
    QFormLayout* form = nullptr;
    auto* box = m_fields.section(tr("Tokenizer"), "tokenizer", form);
    auto* source = new FormComboBox;
    source->addItems({tr("None: the oracle's symbols or the model folder's"),
                      tr("Tokenizer files"), tr("Train SentencePiece on the data")});
    form->addRow(tr("Vocabulary"), source);
    QObject::connect(source, &QComboBox::activated, source, [this](int index) {
        if (index == 0)
            m_edits.swapSubtree("tokenizer", json());
        else if (index == 1)
            m_edits.swapSubtree("tokenizer", {{"path", ""}});
        else
            m_edits.swapSubtree("tokenizer", {{"train_sentencepiece", json::object()}});
    });
    m_fields.onRefresh([this, source] {
        source->setCurrentIndex(m_document.find("tokenizer.path")                ? 1
                                : m_document.find("tokenizer.train_sentencepiece") ? 2
                                                                                   : 0);
    });
    auto* path =
        m_fields.panel(form, [this] { return m_document.find("tokenizer.path") != nullptr; });
    m_fields.add(path, tr("Path"), "tokenizer.path", Kind::File)
        ->setToolTip(tr("A folder with vocab.json + merges.txt, a tokenizer.json or a "
                        "SentencePiece tokenizer.model"));
    auto* train = m_fields.panel(form, [this] {
        return m_document.find("tokenizer.train_sentencepiece") != nullptr;
    });
    m_fields.add(train, tr("Vocabulary size"), "tokenizer.train_sentencepiece.vocab_size",
                 Kind::Number);
    return box;
}

} // namespace cpo::ui
