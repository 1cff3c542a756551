// The MLE phase: supervised training on the ground truth, π_ref for the CPO phase.
#include "setup/form_sections.h"

#include "setup/form_fields.h"

#include <QtWidgets/QGroupBox>

namespace cpo::ui {

using Kind = FieldEditor::Kind;

QGroupBox* FormSections::mle() const
{
    QFormLayout* form = nullptr;
    auto* box = phase(tr("MLE phase"), "mle", form);
    m_fields.add(form, tr("Steps"), "mle.steps", Kind::Number);
    m_fields.add(form, tr("Batch size"), "mle.batch_size", Kind::Number);
    m_fields.add(form, tr("Learning rate"), "mle.lr", Kind::Number);
    m_fields.add(form, tr("Warmup steps"), "mle.warmup_steps", Kind::Number);
    m_fields.add(form, tr("Schedule"), "mle.schedule", Kind::Choice,
                 {"constant", "linear", "cosine"});
    m_fields.add(form, tr("Validate every"), "mle.eval_every", Kind::Number);
    m_fields.add(form, tr("Checkpoint every"), "mle.checkpoint_every", Kind::Number);
    return box;
}

} // namespace cpo::ui
