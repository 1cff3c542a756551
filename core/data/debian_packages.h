#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace cpo::data {

// A real-text demo dataset that needs no download: the descriptions of Debian packages, from
// apt's lists and dpkg's status file, as Dolly-format JSONL records
//   {"instruction": "What is the Debian package NAME for?", "context": "",
//    "response": <long description, cleaned>, "category": <Section>}
//
// Where the long descriptions are: since Debian 6 the Packages lists carry only the first
// (short) line plus Description-md5; the long text is in the Translation-en lists, joined on
// (Package, Description-md5), which apt fetches unless Acquire::Languages is "none" (as in
// Docker images). dpkg's status file keeps the full description of every installed package.
// All three are read; lists may be plain, gzip or lz4 (apt's Acquire::GzipIndexes).

struct DebianDatasetOptions {
    std::filesystem::path listsDir = "/var/lib/apt/lists";
    std::filesystem::path statusFile = "/var/lib/dpkg/status"; // empty: not read
    std::filesystem::path outputJsonl;                         // required
    // Optional: the responses as a plain-text corpus, one paragraph per line (the sentence
    // per line that SentencePiece's trainer reads). Empty: not written.
    std::filesystem::path outputCorpus;
    // How many packages to keep, chosen by a hash of the name and the seed (so the same
    // packages are picked on every run); 0 keeps all.
    std::size_t sampleSize = 0;
    std::uint64_t seed = 0;
};

struct DebianDatasetReport {
    std::vector<std::filesystem::path> filesRead;    // lists, then the status file
    std::vector<std::filesystem::path> filesSkipped; // compressed as we do not read (xz, zstd)
    std::size_t stanzas = 0;                // package stanzas in the Packages lists and status
    std::size_t withoutLongDescription = 0; // packages never seen with a long description
    std::size_t duplicates = 0;  // the same package with the same description seen again
    std::size_t conflicting = 0; // the same package with another description (one kept)
    std::size_t packages = 0;    // distinct packages with a long description
    std::size_t written = 0;     // records in outputJsonl
    std::size_t corpusLines = 0; // lines in outputCorpus
};

// A Debian long description (the field's continuation lines, Debian Policy 5.6.13) as plain
// text: word-wrapped lines joined into paragraphs with single spaces, " ." lines as paragraph
// breaks ("\n\n"), lines indented by two or more spaces ("verbatim", mostly list items) kept
// as lines of their own without the indentation (an item's lines under a hanging indent
// joined to it), whitespace runs collapsed.
std::string cleanDebianDescription(std::string_view longDescription);

// Builds the dataset: reads the lists and status file, keeps packages with a long
// description, merges duplicates (where one package has different descriptions, the longest
// wins, ties broken by byte order), samples, sorts by package name and writes outputJsonl
// (and outputCorpus); each file is written to a temporary name and renamed, so a failure
// never leaves half a dataset. Throws cpo::Error when nothing can be read, no package has a
// long description (with how to get some), or an output cannot be written.
DebianDatasetReport buildDebianPackagesDataset(const DebianDatasetOptions& options);

} // namespace cpo::data
