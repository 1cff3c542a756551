// The CPO phase: its loss, and the negative sampler with the options of the strategies it
// draws from (MixN shows them all).
#include "setup/form_sections.h"

#include "setup/experiment_document.h"
#include "setup/experiment_edits.h"
#include "setup/form_fields.h"

#include <QtWidgets/QGroupBox>

namespace cpo::ui {

using Kind = FieldEditor::Kind;

QGroupBox* FormSections::cpo() const
{
    QFormLayout* form = nullptr;
    auto* box = phase(tr("CPO phase"), "cpo", form);
    m_fields.add(form, tr("Steps"), "cpo.steps", Kind::Number);
    m_fields.add(form, tr("Batch size"), "cpo.batch_size", Kind::Number);
    m_fields.add(form, tr("Learning rate"), "cpo.lr", Kind::Number);
    m_fields.add(form, tr("K (candidates)"), "cpo.k", Kind::Number)
        ->setToolTip(tr("y1 and K − 1 negatives; K = 2 is DPO on synthetic pairs"));
    m_fields.add(form, tr("β"), "cpo.beta", Kind::Number);
    m_fields.add(form, tr("λ (extra MLE term)"), "cpo.lambda_mle", Kind::Number);
    m_fields.add(form, tr("Negative sampler"), "cpo.sampler", Kind::Choice,
                 {"mix", "an", "bn", "mn", "tn"}, [this](const nlohmann::json& sampler) {
                     m_edits.setSampler(sampler.get<std::string>());
                 });
    const auto sampler = [this] { return m_document.text("cpo.sampler"); };
    auto* mix = m_fields.panel(form, [sampler] { return sampler() == "mix"; });
    m_fields.sectionMessage("cpo.mix_weights", mix);
    m_fields.add(mix, tr("MixN weight AN"), "cpo.mix_weights.an", Kind::Number);
    m_fields.add(mix, tr("MixN weight BN"), "cpo.mix_weights.bn", Kind::Number);
    m_fields.add(mix, tr("MixN weight MN"), "cpo.mix_weights.mn", Kind::Number);
    m_fields.add(mix, tr("MixN weight TN"), "cpo.mix_weights.tn", Kind::Number);
    auto* mn =
        m_fields.panel(form, [sampler] { return sampler() == "mn" || sampler() == "mix"; });
    m_fields.add(mn, tr("MN fraction"), "cpo.mn_fraction", Kind::Number);
    auto* an =
        m_fields.panel(form, [sampler] { return sampler() == "an" || sampler() == "mix"; });
    m_fields.sectionMessage("cpo.an", an);
    m_fields.add(an, tr("AN temperature"), "cpo.an.temperature", Kind::Number);
    m_fields.add(an, tr("AN top-k"), "cpo.an.top_k", Kind::Number);
    m_fields.add(an, tr("AN top-p"), "cpo.an.top_p", Kind::Number);
    m_fields.add(an, tr("AN max new tokens"), "cpo.an.max_new_tokens", Kind::Number);
    m_fields.add(form, tr("Ranking (Plackett–Luce)"), "cpo.ranking", Kind::Bool);
    auto* ranking =
        m_fields.panel(form, [this] { return m_document.text("cpo.ranking") == "true"; });
    m_fields.add(ranking, tr("Embedding model"), "cpo.embedding_model", Kind::Folder)
        ->setToolTip(tr("Empty: π_ref's own hidden states"));
    m_fields.add(form, tr("Samples every"), "cpo.samples_every", Kind::Number);
    m_fields.add(form, tr("Checkpoint every"), "cpo.checkpoint_every", Kind::Number);
    return box;
}

} // namespace cpo::ui
