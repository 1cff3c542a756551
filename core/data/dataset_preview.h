#pragma once

#include "data/examples.h"
#include "data/instruction_jsonl.h"
#include "tokenize/tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cpo::data {

// A first look at a dataset before training on it: its first records as the loader reads
// them, and how long its records are, for the setup form's preview and histogram.
struct DatasetPreview {
    std::vector<TextExample> firstRecords;
    // One length per measured record (prompt + continuation) or document (text corpus).
    std::vector<std::int64_t> lengths;
    std::string lengthUnit; // "tokens" with a tokenizer, else "words" (whitespace-separated)
    std::size_t recordsRead = 0;  // records loaded or documents found in what was read
    std::size_t recordsSkipped = 0; // malformed JSONL lines
};

struct PreviewLimits {
    std::size_t shown = 5;          // firstRecords
    std::size_t measured = 2000;    // lengths
    std::size_t textBytes = 8 << 20; // a text corpus is read up to this many bytes
};

// Loads an instruction JSONL file as a run would (same field mapping and template); lengths
// are measured with `tokenizer` when given. Throws cpo::Error as loadInstructionJsonl does.
DatasetPreview previewInstructionJsonl(const std::filesystem::path& path,
                                       const InstructionJsonlOptions& options,
                                       const tokenize::Tokenizer* tokenizer,
                                       const PreviewLimits& limits = {});

// Reads the start of a .txt file or a folder of them (files in name order) and splits it into
// documents as a run would; a record is a document's first line (the prompt column) and the
// rest of it. Throws cpo::Error naming the path when it holds no readable text.
DatasetPreview previewTextCorpus(const std::filesystem::path& path,
                                 const tokenize::Tokenizer* tokenizer,
                                 const PreviewLimits& limits = {});

} // namespace cpo::data
