// The evaluation: which judge scores the models' generations against the ground truth, how
// often, with which decoding, and the α ensembles judged after training.
#include "setup/form_sections.h"

#include "setup/form_fields.h"

#include <QtWidgets/QGroupBox>

namespace cpo::ui {

using Kind = FieldEditor::Kind;

QGroupBox* FormSections::evaluation() const
{
    QFormLayout* form = nullptr;
    auto* box = phase(tr("Evaluation (win rates against the ground truth)"), "eval", form);
    m_fields.add(form, tr("Evaluate every"), "eval.every", Kind::Number)
        ->setToolTip(tr("Judge each phase's model every N of its steps; 0: only after "
                        "training"));
    m_fields.add(form, tr("Prompts"), "eval.examples", Kind::Number)
        ->setToolTip(tr("The first N test prompts; 0: all of them"));
    m_fields.add(form, tr("Judge"), "eval.judge", Kind::File)
        ->setToolTip(tr("A judge file (experiments/judges/); empty: the oracle judge, on the "
                        "oracle task only"));
    m_fields.sectionMessage("eval.decoding", form);
    m_fields.add(form, tr("Temperature"), "eval.decoding.temperature", Kind::Number)
        ->setToolTip(tr("0: greedy"));
    m_fields.add(form, tr("Top-k"), "eval.decoding.top_k", Kind::Number)
        ->setToolTip(tr("0: no top-k cut"));
    m_fields.add(form, tr("Top-p"), "eval.decoding.top_p", Kind::Number)
        ->setToolTip(tr("1: no nucleus cut"));
    m_fields.add(form, tr("Max new tokens"), "eval.decoding.max_new_tokens", Kind::Number)
        ->setToolTip(tr("0: the longest ground truth of the prompts"));
    m_fields.add(form, tr("Decoding seed"), "eval.decoding.seed", Kind::Number)
        ->setToolTip(tr("0: the experiment's seed"));
    m_fields.add(form, tr("Ensemble α"), "eval.alphas", Kind::NumberList)
        ->setToolTip(tr("Weights of θ_MLE in α·θ_MLE + (1 − α)·θ_CPO judged after training, "
                        "comma-separated (e.g. 0.25, 0.5, 0.75); empty: no α sweep"));
    return box;
}

} // namespace cpo::ui
