#include "engine/hub_source.h"

#include "hub/hub_fetch.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <utility>

namespace cpo::engine {

bool hasPathOrHub(ObjectReader& in) { return in.has("path") || in.has("hub"); }

std::string readPathOrHub(ObjectReader& in, hub::RepoType type)
{
    if (!in.has("hub"))
        return in.requiredString("path").value_or("");
    if (in.take("path") != nullptr)
        in.error("hub", "\"path\" and \"hub\" are mutually exclusive: name local files or a "
                        "Hub repository, not both");
    const std::string repo = in.requiredString("hub").value_or("");
    const std::string revision = in.string("revision", "main");
    const std::string file =
        type == hub::RepoType::Dataset ? in.requiredString("file").value_or("") : "";
    if (repo.empty())
        return {};
    try {
        hub::makeHubRef(repo, revision, type, "the reference");
    } catch (const Error& e) {
        in.error("hub", e.what());
        return {};
    }
    return std::string(hub::kHubPrefix) + repo + "@" + revision + (file.empty() ? "" : ":" + file);
}

nlohmann::json pathOrHubJson(const std::string& pathOrReference)
{
    if (!hub::isHubReference(pathOrReference))
        return {{"path", pathOrReference}};
    const auto [reference, file] = hub::splitFileReference(pathOrReference);
    const auto ref = hub::parseHubReference(reference);
    nlohmann::json out = {{"hub", ref.repoId}, {"revision", ref.revision}};
    if (!file.empty())
        out["file"] = file;
    return out;
}

ExperimentConfig pinHubReferences(ExperimentConfig config,
                                  const std::function<void(const std::string&)>& status)
{
    // Download progress as a status line per file at each tenth, not per chunk.
    auto lastTenth = std::make_shared<std::pair<std::string, std::int64_t>>();
    const hub::ProgressCallback progress = [status, lastTenth](const hub::DownloadProgress& p) {
        const std::int64_t tenth = p.total > 0 ? p.done * 10 / p.total : 0;
        if (p.file == lastTenth->first && tenth == lastTenth->second)
            return;
        *lastTenth = {p.file, tenth};
        status("downloading " + p.file + ": " + std::to_string(p.done >> 20) + " of " +
               std::to_string(p.total >> 20) + " MiB");
    };
    const auto pin = [&](std::string& path, hub::HubContent content) {
        if (!hub::isHubReference(path))
            return;
        status("fetching " + path + " from the Hugging Face Hub (or its cache)");
        const auto resolved = hub::resolvePath(path, content, progress);
        const auto file = hub::splitFileReference(path).second;
        path = hub::toString(*resolved.pinned) + (file.empty() ? "" : ":" + file);
    };
    if (!config.model.init)
        pin(config.model.path, hub::HubContent::Model);
    if (config.tokenizer && !config.tokenizer->trainSentencePiece)
        pin(config.tokenizer->path, hub::HubContent::Tokenizer);
    if (config.dataset.kind == DatasetKind::InstructionJsonl)
        pin(config.dataset.instructionJsonl.path, hub::HubContent::DatasetFile);
    if (config.dataset.kind == DatasetKind::TextCorpus)
        pin(config.dataset.textCorpus.path, hub::HubContent::DatasetFile);
    return config;
}

} // namespace cpo::engine
