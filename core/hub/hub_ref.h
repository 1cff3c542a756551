#pragma once

#include <string>
#include <string_view>

// A file set on the Hugging Face Hub named as users name it: "hub:ORG/NAME[@REVISION]".
namespace cpo::hub {

enum class RepoType { Model, Dataset };

struct HubRef {
    RepoType type = RepoType::Model;
    std::string repoId;            // "ORG/NAME" (or a legacy un-namespaced "NAME")
    std::string revision = "main"; // a branch, a tag or a 40-hex commit
};

inline constexpr std::string_view kHubPrefix = "hub:";

// True when `text` starts with "hub:", i.e. it names a Hub repository rather than a path.
bool isHubReference(std::string_view text);

// Parses "hub:ORG/NAME[@REV]" ("hub:" optional). Throws cpo::Error naming the text and
// the expected form when the repo id or revision is malformed.
HubRef parseHubReference(std::string_view text, RepoType type = RepoType::Model);

// Checks `repoId` and `revision` as the Hub does (throws cpo::Error naming `what`).
HubRef makeHubRef(std::string repoId, std::string revision, RepoType type, std::string_view what);

// "hub:ORG/NAME@REV" (the dataset type is not part of the text: the context gives it).
std::string toString(const HubRef& ref);

// The repo's folder in the cache: "models--ORG--NAME", "datasets--ORG--NAME".
std::string repoFolderName(const HubRef& ref);

// "model" | "dataset".
std::string_view repoTypeName(RepoType type);

// A full commit id: 40 lower-case hex digits.
bool isCommitHash(std::string_view text);

} // namespace cpo::hub
