#pragma once

#include "data/examples.h"

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace cpo::data {

struct TextCorpusOptions {
    // One .txt file, or a folder whose .txt files (not its subfolders) are read in byte
    // order of their names, so every machine cuts the same examples.
    std::filesystem::path path;
    std::size_t prefixTokens = 64;
    std::size_t continuationTokens = 64; // EOS included, so at least 2
    // Tokens from one window's start to the next; 0: windows follow each other without
    // overlap (prefixTokens + continuationTokens - 1 text tokens apart).
    std::size_t stride = 0;
};

struct TextCorpusReport {
    std::size_t files = 0;
    std::size_t documents = 0;
    std::size_t shortDocuments = 0; // too short for a single window
    std::size_t tokens = 0;         // in all documents
    std::size_t examples = 0;
};

struct TextCorpus {
    // Each window's continuation is continuationTokens tokens: its last continuationTokens - 1
    // text tokens, then EOS where the document ends there, else the text's next token (so a
    // window cut mid-document never teaches the model to stop). The category is the file's
    // stem (e.g. "valid"); groupHash identifies the document.
    std::vector<TokenizedExample> examples;
    // examples[i] decoded (continuation without its EOS), for display.
    std::vector<TextExample> texts;
    TextCorpusReport report;
};

// The .txt files a corpus path stands for: the file itself, or a folder's .txt files (not its
// subfolders') in byte order of their names. Throws cpo::Error for a folder without any.
std::vector<std::filesystem::path> corpusFiles(const std::filesystem::path& path);

// True for a WikiText-style top-level heading: a line that, trimmed, is "= Title =" with a
// single "=" on each side (" = = Section = = " is a subsection and stays in its article).
bool isTitleHeading(std::string_view line);

// Splits text into documents at title headings; each document starts with its heading line
// (text before the first heading is a document of its own). Blank documents are dropped.
std::vector<std::string_view> splitDocuments(std::string_view text);

// Reads options.path, splits it into documents (at title headings and file boundaries),
// tokenizes each and cuts it into (prefix, continuation) windows that never cross a document
// boundary; a document's tail shorter than a window is not used. Throws cpo::Error for an
// unreadable path, a folder without .txt files, impossible lengths, a tokenizer without EOS,
// or a corpus that yields no window.
TextCorpus loadTextCorpus(const TextCorpusOptions& options, const tokenize::Tokenizer& tokenizer);

} // namespace cpo::data
