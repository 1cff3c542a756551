// The sections about the experiment as a whole: what it is called, where it runs and where
// its runs are written.
#include "setup/form_sections.h"

#include "setup/form_fields.h"

#include "model/precision.h"

#include <QtWidgets/QGroupBox>

namespace cpo::ui {

using Kind = FieldEditor::Kind;

QGroupBox* FormSections::experiment() const
{
    QFormLayout* form = nullptr;
    auto* box = m_fields.section(tr("Experiment"), "", form); // also the whole file's problems
    m_fields.add(form, tr("Name"), "name", Kind::Text);
    m_fields.add(form, tr("Description"), "description", Kind::Text);
    m_fields.add(form, tr("Seed"), "seed", Kind::Number);
    m_fields.add(form, tr("Device"), "device", Kind::Text)
        ->setToolTip(tr("auto, cpu, cuda or cuda:N"));
    QStringList precisions;
    for (const auto name : model::kPrecisionNames)
        precisions << QString::fromUtf8(name.data(), static_cast<int>(name.size()));
    m_fields.add(form, tr("Precision"), "precision", Kind::Choice, precisions)
        ->setToolTip(tr("bf16: training forwards under autocast (weights, optimizer and loss "
                        "stay fp32); meant for CUDA, also on CPUs with bf16 instructions"));
    m_fields.add(form, tr("Threads"), "threads", Kind::Number)
        ->setToolTip(tr("0 = LibTorch's default (measured best on small machines)"));
    return box;
}

QGroupBox* FormSections::output() const
{
    QFormLayout* form = nullptr;
    auto* box = m_fields.section(tr("Output"), "output", form);
    m_fields.add(form, tr("Runs folder"), "output.dir", Kind::Folder)
        ->setToolTip(tr("Empty: the default runs folder"));
    return box;
}

} // namespace cpo::ui
