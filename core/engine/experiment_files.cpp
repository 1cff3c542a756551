#include "engine/experiment_files.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <system_error>

namespace cpo::engine {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

enum class Expect { File, Folder, Either };

// The string at `path` ("dataset.text_corpus.path"), or nullptr when there is none.
const std::string* stringAt(const json& root, std::initializer_list<const char*> keys)
{
    const json* node = &root;
    for (const char* key : keys) {
        if (!node->is_object() || !node->contains(key))
            return nullptr;
        node = &(*node)[key];
    }
    return node->is_string() ? &node->get_ref<const std::string&>() : nullptr;
}

// One issue when the path at `keys` is given but not there (or the wrong kind of entry).
void check(std::vector<ConfigIssue>& issues, const json& root,
           std::initializer_list<const char*> keys, Expect expect, std::string_view what)
{
    const std::string* path = stringAt(root, keys);
    if (!path)
        return;
    std::error_code ec;
    const auto status = fs::status(*path, ec);
    const bool exists = fs::exists(status);
    if (exists && (expect == Expect::Either ||
                   (expect == Expect::File && fs::is_regular_file(status)) ||
                   (expect == Expect::Folder && fs::is_directory(status)))) {
        return;
    }
    std::string message = "\"" + *path + "\": ";
    if (!exists)
        message += "no such file or folder";
    else if (expect == Expect::File)
        message += "is a folder, not a file";
    else
        message += "is a file, not a folder";
    message.append("; give ").append(what);
    std::string field;
    for (const char* key : keys)
        field.append(field.empty() ? "" : ".").append(key);
    issues.push_back({std::move(field), std::move(message)});
}

} // namespace

std::vector<ConfigIssue> missingFiles(const json& experiment)
{
    std::vector<ConfigIssue> issues;
    check(issues, experiment, {"model", "path"}, Expect::Folder,
          "a Hugging Face model folder (config.json + model.safetensors)");
    check(issues, experiment, {"tokenizer", "path"}, Expect::Either,
          "a tokenizer folder or file (vocab.json + merges.txt, tokenizer.json, "
          "tokenizer.model)");
    // Only the kind's own section counts: the reader reports the others as misplaced.
    const std::string* kind = stringAt(experiment, {"dataset", "kind"});
    if (kind && *kind == "instruction_jsonl") {
        check(issues, experiment, {"dataset", "instruction_jsonl", "path"}, Expect::File,
              "a JSONL file, one record per line");
    } else if (kind && *kind == "text_corpus") {
        check(issues, experiment, {"dataset", "text_corpus", "path"}, Expect::Either,
              "a .txt file or a folder of them");
    } else if (kind && *kind == "debian_packages") {
        check(issues, experiment, {"dataset", "debian_packages", "lists_dir"}, Expect::Folder,
              "apt's lists folder (/var/lib/apt/lists)");
    }
    const std::string* embedding = stringAt(experiment, {"cpo", "embedding_model"});
    if (embedding && !embedding->empty()) {
        check(issues, experiment, {"cpo", "embedding_model"}, Expect::Folder,
              "a Hugging Face model folder, or \"\" for π_ref");
    }
    const std::string* judge = stringAt(experiment, {"eval", "judge"});
    if (judge && !judge->empty())
        check(issues, experiment, {"eval", "judge"}, Expect::File, "a judge file, or \"\"");
    return issues;
}

} // namespace cpo::engine
