#pragma once

#include "data/examples.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace cpo::data {

// Which JSON keys of a record hold which part of an instruction example.
struct FieldMapping {
    std::string instruction = "instruction"; // required
    std::string context = "context";         // optional; an empty name: the layout has none
    std::string response = "response";       // required
    std::string category = "category";       // optional; an empty name: the layout has none

    // Databricks Dolly 15k: instruction / context / response / category (the defaults).
    static FieldMapping dolly();
    // Stanford Alpaca: instruction / input / output.
    static FieldMapping alpaca();
    // A ready-made prompt and its answer: prompt / response.
    static FieldMapping promptResponse();
    // "dolly", "alpaca" or "prompt_response"; throws cpo::Error listing them otherwise.
    static FieldMapping preset(std::string_view name);
};

// How an instruction and its context become the prompt x. `{instruction}` and `{context}`
// are replaced once, left to right; braces inside the replaced values are left alone.
struct PromptTemplate {
    std::string withContext =
        "### Instruction:\n{instruction}\n\n### Context:\n{context}\n\n### Response:\n";
    // Used when the record's context is missing or blank, so no empty block is shown.
    std::string withoutContext = "### Instruction:\n{instruction}\n\n### Response:\n";

    // Throws cpo::Error when a template cannot show what it is used for: withContext needs
    // both placeholders, withoutContext needs {instruction} and must not ask for {context}.
    void validate() const;
    std::string render(std::string_view instruction, std::string_view context) const;
};

// The most bytes one record (line) and one file may have: a record is an instruction and its
// answer, so a longer line is a wrong file (or one without newlines), and a bigger file than
// this would not fit the memory training needs anyway. Past either, the load is refused.
inline constexpr std::size_t kMaxJsonlLineBytes = std::size_t(16) << 20;
inline constexpr std::uintmax_t kMaxJsonlFileBytes = std::uintmax_t(4) << 30;

struct InstructionJsonlOptions {
    FieldMapping fields;
    PromptTemplate prompt;
    // The load is refused when more than this share of the non-blank lines is malformed:
    // beyond a few stray lines, bad records mean a wrong file or a wrong field mapping.
    double maxBadFraction = 0.05;
    // How many malformed lines the report keeps (all are counted).
    std::size_t maxReportedBadLines = 100;
};

struct BadLine {
    std::size_t line = 0; // 1-based
    std::string reason;
};

struct JsonlLoadReport {
    std::size_t lines = 0;   // all lines, blank ones included
    std::size_t records = 0; // non-blank lines
    std::size_t loaded = 0;
    std::size_t skipped = 0;          // malformed records
    std::vector<BadLine> badLines;    // the first maxReportedBadLines of them
};

struct InstructionDataset {
    std::vector<TextExample> examples;
    JsonlLoadReport report;
};

// Loads one JSON object per line. Instruction, context and response are trimmed of
// surrounding whitespace; the prompt is the template rendered with them, the continuation
// the response, the category the category field (empty when absent). A malformed line (bad
// JSON, not an object, a required field missing or blank, a field that is not a string,
// invalid UTF-8) is skipped and reported with its line number. Throws cpo::Error naming the
// file when it cannot be read, is larger than kMaxJsonlFileBytes, holds no record, or has too
// many malformed lines, and naming file:line for a line longer than kMaxJsonlLineBytes.
InstructionDataset loadInstructionJsonl(const std::filesystem::path& path,
                                        const InstructionJsonlOptions& options = {});

} // namespace cpo::data
