#pragma once

#include "util/config_reader.h"
#include "engine/experiment.h"

#include <QtCore/QObject>
#include <QtCore/QString>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace cpo::ui {

// The experiment the setup form edits: the JSON as the user shaped it (keys they left out stay
// out, so defaults stay defaults), validated after every change by the same parseExperiment()
// `cpo run` uses plus the check that the files it names exist. Fields are addressed by their
// JSON path ("cpo.beta"), the paths ConfigError's issues carry.
class ExperimentDocument : public QObject {
    Q_OBJECT

public:
    explicit ExperimentDocument(QObject* parent = nullptr);

    const nlohmann::json& content() const { return m_json; }
    // The value at `path`, or nullptr when the user's JSON has none.
    const nlohmann::json* find(const std::string& path) const;
    // What a run would use at `path`: the canonical (complete) form of the last valid
    // experiment; nullptr when unknown. The form shows it where the user wrote nothing.
    const nlohmann::json* effective(const std::string& path) const;
    // The value at `path` as the form shows it: the user's, else the effective one, else "";
    // a string as itself, anything else as JSON.
    std::string text(const std::string& path) const;
    // Sets `path` (creating objects on the way); null removes the key. Revalidates.
    void set(const std::string& path, nlohmann::json value);

    bool isValid() const { return m_config.has_value(); }
    const std::optional<engine::ExperimentConfig>& config() const { return m_config; }
    const std::vector<ConfigIssue>& issues() const { return m_issues; }

    QString fileName() const { return m_file; } // "" until opened or saved
    bool isModified() const { return m_json != m_savedJson; }

    // Replaces the whole JSON as an edit (the file and its saved state stay). Revalidates.
    void setJson(nlohmann::json json);

    // Reads an experiment file (JSON with comments); throws cpo::Error naming the file.
    void open(const QString& file);
    // Writes the JSON (comments are not kept: nlohmann::json drops them); throws cpo::Error
    // naming the file. The document then belongs to `file` and is unmodified.
    void save(const QString& file);
    // Takes `json` as a new, unsaved experiment (a run's stored setup, cloned).
    void reset(nlohmann::json json);

    // `cpo run FILE --set key=value ...` for every field that differs from the file as last
    // opened or saved, shell-quoted; empty when the document has no file.
    QString cliCommand() const;

Q_SIGNALS:
    void changed();                      // any edit, open or reset (after validation)
    void validityChanged(bool valid);
    void modifiedChanged(bool modified);
    void fileNameChanged(const QString& file);

private:
    void validate();
    void replace(nlohmann::json json, nlohmann::json saved);

    nlohmann::json m_json = nlohmann::json::object();
    nlohmann::json m_savedJson = nlohmann::json::object();
    nlohmann::json m_effective; // canonical JSON of the last valid experiment
    QString m_file;
    std::optional<engine::ExperimentConfig> m_config;
    std::vector<ConfigIssue> m_issues;
};

// The leaf paths where `edited` differs from `saved`, as `--set` assignments in path order
// (a key only `saved` has becomes key=null, which the experiment reader takes as absent).
std::vector<std::string> differingAssignments(const nlohmann::json& saved,
                                              const nlohmann::json& edited);

} // namespace cpo::ui
