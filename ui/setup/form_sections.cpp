#include "setup/form_sections.h"

#include "setup/experiment_document.h"
#include "setup/experiment_edits.h"
#include "setup/form_fields.h"

#include <QtWidgets/QGroupBox>

namespace cpo::ui {

QGroupBox* FormSections::phase(const QString& title, const std::string& path,
                               QFormLayout*& form) const
{
    auto* box = m_fields.section(title, path, form);
    box->setCheckable(true);
    QObject::connect(box, &QGroupBox::clicked, box,
                     [this, path](bool on) { m_edits.setPhase(path, on); });
    // A switched-off phase keeps its fields in view, disabled by its unchecked group box.
    m_fields.onRefresh([this, box, path] { box->setChecked(m_document.find(path) != nullptr); });
    return box;
}

} // namespace cpo::ui
