#include "setup/experiment_document.h"

#include "engine/experiment_files.h"
#include "model/precision.h"
#include "util/error.h"
#include "util/json_parse.h"
#include "util/shell_words.h"

#include <QtCore/QFileInfo>
#include <QtCore/QSaveFile>

#include <algorithm>

namespace cpo::ui {
namespace {

using nlohmann::json;

std::vector<std::string> splitPath(const std::string& path)
{
    std::vector<std::string> keys;
    std::size_t start = 0;
    for (auto dot = path.find('.'); dot != std::string::npos; dot = path.find('.', start)) {
        keys.push_back(path.substr(start, dot - start));
        start = dot + 1;
    }
    keys.push_back(path.substr(start));
    return keys;
}

const json* lookup(const json& root, const std::string& path)
{
    const json* node = &root;
    for (const auto& key : splitPath(path)) {
        if (!node->is_object())
            return nullptr;
        const auto it = node->find(key);
        if (it == node->end() || it->is_null())
            return nullptr;
        node = &*it;
    }
    return node;
}

// As `--set` reads it: the text when it would not parse as JSON (so `sampler=bn`), else JSON.
std::string assignmentValue(const json& value)
{
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        if (!text.empty() && parseJsonBounded(text, "", {.allowExceptions = false}).is_discarded())
            return text;
    }
    return value.dump();
}

void collectDifferences(const json& saved, const json& edited, const std::string& path,
                        std::vector<std::string>& out)
{
    if (saved.is_object() && edited.is_object()) {
        json keys = json::object();
        for (const auto& [key, value] : saved.items())
            keys[key] = true;
        for (const auto& [key, value] : edited.items())
            keys[key] = true;
        for (const auto& [key, unused] : keys.items()) {
            const auto child = path.empty() ? key : path + "." + key;
            const auto s = saved.find(key);
            const auto e = edited.find(key);
            collectDifferences(s == saved.end() ? json() : *s, e == edited.end() ? json() : *e,
                               child, out);
        }
        return;
    }
    if (saved != edited)
        out.push_back(path + "=" + assignmentValue(edited));
}

QString shellQuoted(const QString& word)
{
    return QString::fromStdString(cpo::shellQuoted(word.toStdString()));
}

} // namespace

std::vector<std::string> differingAssignments(const json& saved, const json& edited)
{
    std::vector<std::string> out;
    collectDifferences(saved, edited, "", out);
    return out;
}

ExperimentDocument::ExperimentDocument(QObject* parent) : QObject(parent)
{
    validate();
}

const json* ExperimentDocument::find(const std::string& path) const
{
    return lookup(m_json, path);
}

const json* ExperimentDocument::effective(const std::string& path) const
{
    return m_effective.is_null() ? nullptr : lookup(m_effective, path);
}

std::string ExperimentDocument::text(const std::string& path) const
{
    const json* value = find(path);
    if (!value)
        value = effective(path);
    if (!value)
        return {};
    return value->is_string() ? value->get<std::string>() : value->dump();
}

void ExperimentDocument::set(const std::string& path, json value)
{
    json edited = m_json;
    const auto keys = splitPath(path);
    json* node = &edited;
    for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
        if (!node->is_object())
            *node = json::object();
        node = &(*node)[keys[i]];
    }
    if (!node->is_object())
        *node = json::object();
    if (value.is_null())
        node->erase(keys.back());
    else
        (*node)[keys.back()] = std::move(value);
    replace(std::move(edited), m_savedJson);
}

void ExperimentDocument::setJson(json document)
{
    replace(std::move(document), m_savedJson);
}

void ExperimentDocument::open(const QString& file)
{
    json document = engine::readJsonWithComments(file.toStdString());
    if (!document.is_object())
        throw Error(file.toStdString() + ": expected a JSON object at the top");
    m_file = QFileInfo(file).absoluteFilePath();
    replace(document, document);
    Q_EMIT fileNameChanged(m_file);
}

void ExperimentDocument::save(const QString& file)
{
    QSaveFile out(file);
    const QByteArray bytes = QByteArray::fromStdString(m_json.dump(2) + "\n");
    if (!out.open(QIODevice::WriteOnly) || out.write(bytes) != bytes.size() || !out.commit()) {
        throw Error(file.toStdString() + ": cannot write the experiment: " +
                    out.errorString().toStdString());
    }
    m_file = QFileInfo(file).absoluteFilePath();
    replace(m_json, m_json);
    Q_EMIT fileNameChanged(m_file);
}

void ExperimentDocument::reset(json document)
{
    m_file.clear();
    replace(std::move(document), json::object());
    Q_EMIT fileNameChanged(m_file);
}

void ExperimentDocument::replace(json document, json saved)
{
    const bool wasModified = isModified();
    m_json = std::move(document);
    m_savedJson = std::move(saved);
    validate();
    if (wasModified != isModified())
        Q_EMIT modifiedChanged(isModified());
    Q_EMIT changed();
}

QString ExperimentDocument::cliCommand() const
{
    if (m_file.isEmpty())
        return {};
    QStringList words{QStringLiteral("cpo"), QStringLiteral("run"), shellQuoted(m_file)};
    for (const auto& assignment : differingAssignments(m_savedJson, m_json))
        words << QStringLiteral("--set") << shellQuoted(QString::fromStdString(assignment));
    return words.join(QLatin1Char(' '));
}

void ExperimentDocument::validate()
{
    const bool wasValid = isValid();
    m_issues.clear();
    m_config.reset();
    const std::string source = m_file.isEmpty() ? "experiment" : m_file.toStdString();
    try {
        auto config = engine::parseExperiment(m_json, source);
        m_effective = engine::toJson(config);
        // toJson leaves an fp32 precision out (earlier runs keep their config hashes); the form
        // shows what a run would use all the same.
        m_effective["precision"] = std::string(model::toString(config.precision));
        m_config = std::move(config);
    } catch (const ConfigError& e) {
        m_issues = e.issues();
    } catch (const Error& e) {
        m_issues.push_back({"", e.what()});
    }
    // Reported with the file's other problems, so a user fixing it sees them all at once.
    for (auto& issue : engine::missingFiles(m_json)) {
        const bool known = std::ranges::any_of(
            m_issues, [&issue](const auto& other) { return other.path == issue.path; });
        if (!known)
            m_issues.push_back(std::move(issue));
    }
    if (!m_issues.empty())
        m_config.reset();
    if (wasValid != isValid())
        Q_EMIT validityChanged(isValid());
}

} // namespace cpo::ui
