#include "hub/hub_ref.h"

#include "util/error.h"

#include <algorithm>
#include <cctype>

namespace cpo::hub {
namespace {

constexpr std::size_t kMaxRepoIdLength = 96;

bool isNameChar(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

// The Hub's rule: [namespace/]name of word characters, '-' and '.', neither starting nor
// ending with '-' or '.', without "--" or ".." (they would clash with the cache's folder names).
bool isValidPart(std::string_view part)
{
    if (part.empty() || !std::all_of(part.begin(), part.end(), isNameChar))
        return false;
    const auto edge = [](char c) { return c == '-' || c == '.'; };
    return !edge(part.front()) && !edge(part.back()) && part.find("--") == std::string::npos &&
           part.find("..") == std::string::npos;
}

bool isValidRepoId(std::string_view id)
{
    if (id.size() > kMaxRepoIdLength)
        return false;
    const auto slash = id.find('/');
    if (slash == std::string_view::npos)
        return isValidPart(id);
    return isValidPart(id.substr(0, slash)) && isValidPart(id.substr(slash + 1));
}

// Git's ref rules that matter here: no spaces, control characters, ':', '..' or a leading '/'.
bool isValidRevision(std::string_view revision)
{
    if (revision.empty() || revision.front() == '/' || revision.back() == '/' ||
        revision.find("..") != std::string_view::npos)
        return false;
    return std::none_of(revision.begin(), revision.end(), [](char c) {
        return std::iscntrl(static_cast<unsigned char>(c)) || c == ' ' || c == ':' || c == '\\';
    });
}

} // namespace

bool isHubReference(std::string_view text) { return text.starts_with(kHubPrefix); }

HubRef makeHubRef(std::string repoId, std::string revision, RepoType type, std::string_view what)
{
    if (!isValidRepoId(repoId))
        throw Error(std::string(what) + ": '" + repoId +
                    "' is not a Hub repository id (expected ORG/NAME, e.g. "
                    "openai-community/gpt2)");
    if (!isValidRevision(revision))
        throw Error(std::string(what) + ": '" + revision +
                    "' is not a revision (a branch, a tag or a commit hash, e.g. main)");
    return {type, std::move(repoId), std::move(revision)};
}

HubRef parseHubReference(std::string_view text, RepoType type)
{
    std::string_view body = text;
    if (isHubReference(body))
        body.remove_prefix(kHubPrefix.size());
    const auto at = body.find('@');
    std::string repoId(body.substr(0, at));
    std::string revision = at == std::string_view::npos ? "main" : std::string(body.substr(at + 1));
    std::string what = "'";
    what.append(text).append("' (expected hub:ORG/NAME[@REVISION])");
    return makeHubRef(std::move(repoId), std::move(revision), type, what);
}

std::string toString(const HubRef& ref)
{
    return std::string(kHubPrefix) + ref.repoId + "@" + ref.revision;
}

std::string_view repoTypeName(RepoType type)
{
    return type == RepoType::Dataset ? "dataset" : "model";
}

std::string repoFolderName(const HubRef& ref)
{
    std::string name = std::string(repoTypeName(ref.type)) + "s--" + ref.repoId;
    for (auto slash = name.find('/'); slash != std::string::npos; slash = name.find('/'))
        name.replace(slash, 1, "--");
    return name;
}

bool isCommitHash(std::string_view text)
{
    return text.size() == 40 && std::all_of(text.begin(), text.end(), [](char c) {
               return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
           });
}

} // namespace cpo::hub
