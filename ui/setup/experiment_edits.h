#pragma once

#include <QtCore/QString>
#include <QtCore/QStringList>

#include <nlohmann/json.hpp>

#include <string>

namespace cpo::ui {

class ExperimentDocument;

// The dataset kinds the form offers, each the key of its own options block.
const QStringList& datasetKinds();

// The setup form's edits that switch one part of the experiment for another (a model folder
// for a model trained from scratch, one dataset kind for another, a phase off): what was
// there is kept, so switching back brings it back as the user left it.
class ExperimentEdits {
public:
    explicit ExperimentEdits(ExperimentDocument& document) : m_document(document) {}
    ExperimentEdits(const ExperimentEdits&) = delete;
    ExperimentEdits& operator=(const ExperimentEdits&) = delete;

    // Replaces the subtree at `path` with `value` (null: removes it), or with what was kept
    // of that shape (its first key: "model" {"path": …} or {"init": …}).
    void swapSubtree(const std::string& path, const nlohmann::json& value);
    // Switches a phase ("mle", "cpo", "eval") off and on again without losing its settings.
    void setPhase(const std::string& path, bool on);
    void setDatasetKind(const std::string& kind);
    // The sampler; MixN's weights go while another one is chosen.
    void setSampler(const std::string& sampler);
    // A dataset file or folder: .jsonl/.json instruction records, else a text corpus.
    void setDatasetPath(const QString& path);

    // Drops what was kept: another experiment was opened.
    void forget() { m_stash = nlohmann::json::object(); }

private:
    ExperimentDocument& m_document;
    nlohmann::json m_stash = nlohmann::json::object();
};

} // namespace cpo::ui
