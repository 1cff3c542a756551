#include "model/checksums.h"

#include "hub/file_digest.h"
#include "util/error.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

namespace cpo::model {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kHexDigits = 64;

using Entry = std::pair<std::string, std::string>; // file name, sha256 hex

// sha256sum's lines: 64 hex digits, a space, ' ' (text) or '*' (binary), the name.
std::vector<Entry> readList(const fs::path& list)
{
    std::ifstream in(list);
    std::vector<Entry> entries;
    std::string line;
    while (std::getline(in, line)) {
        if (line.size() < kHexDigits + 3 || line[kHexDigits] != ' ')
            throw Error(list.string() + ": not a sha256sum list (line \"" + line.substr(0, 80) +
                        "\"); the checkpoint is damaged. Resume from an earlier checkpoint");
        entries.emplace_back(line.substr(kHexDigits + 2), line.substr(0, kHexDigits));
    }
    return entries;
}

} // namespace

void writeChecksums(const fs::path& folder)
{
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(folder))
        if (entry.is_regular_file() && entry.path().filename() != kChecksumsFile)
            names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    std::ostringstream text;
    for (const auto& name : names)
        text << hub::sha256Hex(folder / name) << "  " << name << '\n';
    const auto list = folder / kChecksumsFile;
    std::ofstream out(list, std::ios::binary | std::ios::trunc);
    out << text.str();
    out.flush();
    if (!out)
        throw Error(list.string() + ": cannot write (disk full?)");
}

void verifyChecksums(const fs::path& folder)
{
    const auto list = folder / kChecksumsFile;
    if (!fs::exists(list))
        return;
    for (const auto& [name, expected] : readList(list)) {
        const auto file = folder / name;
        if (!fs::is_regular_file(file))
            throw Error(file.string() + ": missing, though " + kChecksumsFile +
                        " lists it; the checkpoint is incomplete. Resume from an earlier "
                        "checkpoint");
        const auto actual = hub::sha256Hex(file);
        if (actual != expected)
            throw Error(file.string() + ": damaged: its sha256 is " + actual.substr(0, 12) +
                        "…, not the " + expected.substr(0, 12) + "… recorded when it was "
                        "written. Resume from an earlier checkpoint");
    }
}

std::string recordedChecksum(const fs::path& folder, std::string_view file)
{
    const auto list = folder / kChecksumsFile;
    if (!fs::exists(list))
        return {};
    for (const auto& [name, digest] : readList(list))
        if (name == file)
            return digest;
    return {};
}

} // namespace cpo::model
