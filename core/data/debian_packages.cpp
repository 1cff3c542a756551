#include "data/debian_packages.h"

#include "data/deb822.h"
#include "data/decompress.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/log.h"

#include <nlohmann/json.hpp>
#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <set>
#include <utility>

namespace cpo::data {
namespace {

constexpr std::string_view kPackagesMarker = "_Packages";
constexpr std::string_view kTranslationMarker = "_i18n_Translation-en";
constexpr std::array<std::string_view, 3> kReadable{"", ".gz", ".lz4"};
constexpr std::array<std::string_view, 4> kUnreadable{".xz", ".zst", ".bz2", ".lzma"};

enum class ListKind { Packages, Translation };

struct ListFile {
    std::filesystem::path path;
    ListKind kind;
    bool readable;
};

// apt names its lists after the URL: ..._main_binary-amd64_Packages[.lz4] and
// ..._main_i18n_Translation-en[.gz]; anything else there (InRelease, diff indexes) is not ours.
std::vector<ListFile> findLists(const std::filesystem::path& dir)
{
    std::vector<ListFile> lists;
    std::error_code error;
    for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end;
         it.increment(error)) {
        if (!it->is_regular_file(error))
            continue;
        const std::string name = it->path().filename().string();
        for (const auto& [marker, kind] : {std::pair{kPackagesMarker, ListKind::Packages},
                                           std::pair{kTranslationMarker, ListKind::Translation}}) {
            const std::size_t at = name.rfind(marker);
            if (at == std::string::npos)
                continue;
            const std::string_view suffix = std::string_view(name).substr(at + marker.size());
            const auto among = [&](const auto& set) {
                return std::find(set.begin(), set.end(), suffix) != set.end();
            };
            if (among(kReadable) || among(kUnreadable))
                lists.push_back({it->path(), kind, among(kReadable)});
        }
    }
    std::sort(lists.begin(), lists.end(),
              [](const ListFile& a, const ListFile& b) { return a.path < b.path; });
    return lists;
}

std::string_view trim(std::string_view text)
{
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos)
        return {};
    return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// The continuation lines of a Description field (its value minus the short first line).
std::string_view longPart(std::string_view description)
{
    const std::size_t newline = description.find('\n');
    return newline == std::string_view::npos ? std::string_view{}
                                             : description.substr(newline + 1);
}

std::string sectionOf(std::string_view section)
{
    // "contrib/games" is the games section of the contrib area; the area is not a topic.
    const std::string_view topic = trim(section.substr(section.rfind('/') + 1));
    return topic.empty() ? "unknown" : std::string(topic);
}

struct Candidate {
    std::string section;
    std::string description;
};

// Everything read so far, deduplicated as it arrives.
class Collector {
public:
    explicit Collector(DebianDatasetReport& report) : m_report(report) {}

    void addTranslations(std::string_view text)
    {
        forEachStanza(text, [&](const Deb822Stanza& stanza) {
            const std::string_view longText = longPart(fieldValue(stanza, "Description-en"));
            if (!longText.empty())
                m_translations[translationKey(stanza)] = std::string(longText);
        });
    }

    void addPackages(std::string_view text)
    {
        forEachStanza(text, [&](const Deb822Stanza& stanza) {
            const std::string name(trim(fieldValue(stanza, "Package")));
            if (name.empty())
                return;
            ++m_report.stanzas;
            m_seen.insert(name);
            std::string_view longText = longPart(fieldValue(stanza, "Description"));
            if (longText.empty()) {
                const auto it = m_translations.find(translationKey(stanza));
                if (it != m_translations.end())
                    longText = it->second;
            }
            std::string cleaned = cleanDebianDescription(longText);
            if (!cleaned.empty())
                add(name, {sectionOf(fieldValue(stanza, "Section")), std::move(cleaned)});
        });
    }

    std::map<std::string, Candidate> finish()
    {
        m_report.packages = m_chosen.size();
        m_report.withoutLongDescription = m_seen.size() - m_chosen.size();
        return std::move(m_chosen);
    }

private:
    static std::string translationKey(const Deb822Stanza& stanza)
    {
        return std::string(trim(fieldValue(stanza, "Package"))) + '\n'
            + std::string(trim(fieldValue(stanza, "Description-md5")));
    }

    void add(const std::string& name, Candidate candidate)
    {
        const auto [it, inserted] = m_chosen.try_emplace(name, candidate);
        if (inserted)
            return;
        Candidate& kept = it->second;
        if (kept.description == candidate.description) {
            ++m_report.duplicates;
            return;
        }
        ++m_report.conflicting;
        // Longest wins; on equal length the smaller bytes, so the choice is order-free.
        const std::string& a = candidate.description;
        const std::string& b = kept.description;
        if (a.size() > b.size() || (a.size() == b.size() && a < b))
            kept = std::move(candidate);
    }

    DebianDatasetReport& m_report;
    std::map<std::string, std::string> m_translations; // "name\nmd5" -> long description
    std::set<std::string> m_seen;
    std::map<std::string, Candidate> m_chosen; // sorted by name
};

void writeFileAtomically(const std::filesystem::path& path, const std::string& content)
{
    std::error_code error;
    if (path.has_parent_path())
        std::filesystem::create_directories(path.parent_path(), error);
    std::filesystem::path temporary = path;
    temporary += ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        out.close();
        if (!out)
            throw Error(temporary.string() + ": cannot write; check that the folder exists, "
                                             "is writable and the disk is not full");
    }
    std::filesystem::rename(temporary, path, error);
    if (error)
        throw Error(path.string() + ": cannot move the finished file into place: "
                    + error.message());
}

std::vector<std::pair<std::string, Candidate>> sample(std::map<std::string, Candidate> chosen,
                                                      const DebianDatasetOptions& options)
{
    std::vector<std::pair<std::string, Candidate>> packages(
        std::make_move_iterator(chosen.begin()), std::make_move_iterator(chosen.end()));
    if (options.sampleSize == 0 || options.sampleSize >= packages.size())
        return packages;
    // Rank by a hash of the name alone: a package's chance of being picked does not depend
    // on which others exist, so samples from two machines' lists overlap as much as they can.
    const auto rank = [&](const std::string& name) {
        return std::pair{mix64(fnv1a64(name) ^ mix64(options.seed)), std::string_view(name)};
    };
    std::sort(packages.begin(), packages.end(),
              [&](const auto& a, const auto& b) { return rank(a.first) < rank(b.first); });
    packages.resize(options.sampleSize);
    std::sort(packages.begin(), packages.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    return packages;
}

// A list item's marker: its continuation lines are indented past it.
bool startsWithBullet(std::string_view text)
{
    for (const std::string_view marker : {"* ", "- ", "+ ", "o ", "\u2022 "}) {
        if (text.starts_with(marker))
            return true;
    }
    const std::size_t digits = text.find_first_not_of("0123456789");
    return digits > 0 && digits != std::string_view::npos
        && (text.substr(digits).starts_with(". ") || text.substr(digits).starts_with(") "));
}

} // namespace

std::string cleanDebianDescription(std::string_view longDescription)
{
    std::string out;
    // The unit being joined: a word-wrapped paragraph, or a verbatim line (a list item) with
    // the lines that continue it under a hanging indent.
    std::string unit;
    std::size_t verbatimIndent = 0; // of the verbatim unit; 0 while joining a paragraph
    bool breakBefore = false;
    const auto flush = [&] {
        if (!unit.empty()) {
            if (!out.empty())
                out += breakBefore ? "\n\n" : "\n";
            out += unit;
            breakBefore = false;
        }
        unit.clear();
        verbatimIndent = 0;
    };
    const auto appendWords = [&](std::string_view text) {
        std::size_t pos = 0;
        while ((pos = text.find_first_not_of(" \t", pos)) != std::string_view::npos) {
            const std::size_t end = std::min(text.find_first_of(" \t", pos), text.size());
            if (!unit.empty())
                unit += ' ';
            unit += text.substr(pos, end - pos);
            pos = end;
        }
    };

    std::size_t pos = 0;
    while (pos < longDescription.size()) {
        const std::size_t newline = std::min(longDescription.find('\n', pos),
                                             longDescription.size());
        std::string_view line = longDescription.substr(pos, newline - pos);
        pos = newline + 1;
        // Every continuation line starts with one space (or tab) that is not content.
        if (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
            line.remove_prefix(1);
        const std::size_t indent = std::min(line.find_first_not_of(" \t"), line.size());
        const std::string_view content = trim(line);
        if (content == ".") {
            flush();
            breakBefore = !out.empty();
        } else if (content.empty()) {
            continue;
        } else if (indent == 0) {
            if (verbatimIndent > 0)
                flush();
            appendWords(content);
        } else {
            // "  * item that wraps\n    onto this line" continues the item; a line at the
            // item's own indent, or a new bullet, starts another.
            const bool continuesItem =
                verbatimIndent > 0 && indent > verbatimIndent && !startsWithBullet(content);
            if (!continuesItem) {
                flush();
                verbatimIndent = indent;
            }
            appendWords(content);
        }
    }
    flush();
    return out;
}

DebianDatasetReport buildDebianPackagesDataset(const DebianDatasetOptions& options)
{
    if (options.outputJsonl.empty())
        throw Error("the Debian packages dataset needs an output .jsonl path");
    const auto logger = cpo::log::get("data");
    DebianDatasetReport report;
    Collector collector(report);

    std::vector<ListFile> lists = findLists(options.listsDir);
    // Translations first: the Packages stanzas look their long descriptions up in them.
    std::stable_partition(lists.begin(), lists.end(),
                          [](const ListFile& l) { return l.kind == ListKind::Translation; });
    for (const ListFile& list : lists) {
        if (!list.readable) {
            logger->warn("{}: skipped, compressed in a format CPO Studio does not read "
                         "(plain, gzip and lz4 are)", list.path.string());
            report.filesSkipped.push_back(list.path);
            continue;
        }
        const std::string text = readDecompressed(list.path);
        if (list.kind == ListKind::Translation)
            collector.addTranslations(text);
        else
            collector.addPackages(text);
        report.filesRead.push_back(list.path);
    }
    std::error_code error;
    if (!options.statusFile.empty() && std::filesystem::exists(options.statusFile, error)) {
        collector.addPackages(readDecompressed(options.statusFile));
        report.filesRead.push_back(options.statusFile);
    }
    if (report.filesRead.empty())
        throw Error(fmt::format("no package list in {} (looked for *_Packages and "
                                "*_i18n_Translation-en, plain, .gz or .lz4) and no dpkg status "
                                "file at \"{}\"; run apt-get update, or point the options at "
                                "other lists",
                                options.listsDir.string(), options.statusFile.string()));

    const std::vector<std::pair<std::string, Candidate>> packages =
        sample(collector.finish(), options);
    if (packages.empty())
        throw Error(fmt::format(
            "none of the {} packages in {} files has a long description. Debian's Packages "
            "lists carry only the short one; the long ones are in the Translation-en lists, "
            "which apt skips when Acquire::Languages is \"none\" (as in Docker images). Fetch "
            "them with: apt-get -o Acquire::Languages=en update",
            report.stanzas, report.filesRead.size()));

    const bool writeCorpus = !options.outputCorpus.empty();
    std::string jsonl;
    std::string corpus;
    for (const auto& [name, candidate] : packages) {
        nlohmann::ordered_json record;
        record["instruction"] = "What is the Debian package " + name + " for?";
        record["context"] = "";
        record["response"] = candidate.description;
        record["category"] = candidate.section;
        // A list in a legacy 8-bit encoding must not abort the dump; U+FFFD marks the bytes.
        jsonl += record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        jsonl += '\n';
        if (!writeCorpus)
            continue;
        const std::string& text = candidate.description;
        for (std::size_t pos = 0; pos < text.size();) {
            const std::size_t end = std::min(text.find('\n', pos), text.size());
            if (end > pos) {
                corpus.append(text, pos, end - pos);
                corpus += '\n';
                ++report.corpusLines;
            }
            pos = end + 1;
        }
    }
    report.written = packages.size();
    writeFileAtomically(options.outputJsonl, jsonl);
    if (writeCorpus)
        writeFileAtomically(options.outputCorpus, corpus);

    logger->info("Debian packages: {} files read ({} skipped), {} stanzas, {} packages with a "
                 "long description ({} without, {} duplicates, {} conflicting), {} written to {}",
                 report.filesRead.size(), report.filesSkipped.size(), report.stanzas,
                 report.packages, report.withoutLongDescription, report.duplicates,
                 report.conflicting, report.written, options.outputJsonl.string());
    return report;
}

} // namespace cpo::data
