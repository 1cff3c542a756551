#include "setup/experiment_edits.h"

#include "setup/experiment_document.h"

#include <QtCore/QFileInfo>

namespace cpo::ui {

using nlohmann::json;

const QStringList& datasetKinds()
{
    static const QStringList kinds{"oracle", "instruction_jsonl", "text_corpus",
                                   "debian_packages"};
    return kinds;
}

void ExperimentEdits::swapSubtree(const std::string& path, const json& value)
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

void ExperimentEdits::setPhase(const std::string& path, bool on)
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

void ExperimentEdits::setDatasetKind(const std::string& kind)
{
    json dataset = m_document.find("dataset") ? *m_document.find("dataset") : json::object();
    for (const auto& other : datasetKinds()) {
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

void ExperimentEdits::setSampler(const std::string& sampler)
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

void ExperimentEdits::setDatasetPath(const QString& path)
{
    const QFileInfo info(path);
    const bool records = info.suffix() == QLatin1String("jsonl") ||
                         info.suffix() == QLatin1String("json");
    const std::string kind = records ? "instruction_jsonl" : "text_corpus";
    setDatasetKind(kind);
    m_document.set("dataset." + kind + ".path", info.absoluteFilePath().toStdString());
}

} // namespace cpo::ui
