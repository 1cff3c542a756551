#include "data/dataset_preview.h"

#include "data/text_corpus.h"
#include "util/error.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

namespace cpo::data {
namespace {

std::int64_t countWords(std::string_view text)
{
    std::istringstream in{std::string(text)};
    return std::distance(std::istream_iterator<std::string>(in),
                         std::istream_iterator<std::string>());
}

std::int64_t measure(std::string_view text, const tokenize::Tokenizer* tokenizer)
{
    if (tokenizer)
        return static_cast<std::int64_t>(tokenizer->encode(text, false).size());
    return countWords(text);
}

std::string unitOf(const tokenize::Tokenizer* tokenizer)
{
    return tokenizer ? "tokens" : "words";
}

// Up to `budget` bytes of the file, appended to `text`.
void readStart(const std::filesystem::path& file, std::size_t budget, std::string& text)
{
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw Error(file.string() + ": cannot open the file");
    std::string chunk(budget, '\0');
    in.read(chunk.data(), static_cast<std::streamsize>(budget));
    chunk.resize(static_cast<std::size_t>(in.gcount()));
    text += chunk;
    if (!text.empty() && text.back() != '\n')
        text += '\n'; // a file's last document ends where the next file's starts
}

} // namespace

DatasetPreview previewInstructionJsonl(const std::filesystem::path& path,
                                       const InstructionJsonlOptions& options,
                                       const tokenize::Tokenizer* tokenizer,
                                       const PreviewLimits& limits)
{
    const InstructionDataset dataset = loadInstructionJsonl(path, options);
    DatasetPreview out;
    out.lengthUnit = unitOf(tokenizer);
    out.recordsRead = dataset.report.loaded;
    out.recordsSkipped = dataset.report.skipped;
    const auto& examples = dataset.examples;
    out.firstRecords.assign(examples.begin(),
                            examples.begin() + static_cast<std::ptrdiff_t>(
                                                   std::min(limits.shown, examples.size())));
    const std::size_t measured = std::min(limits.measured, examples.size());
    out.lengths.reserve(measured);
    for (std::size_t i = 0; i < measured; ++i) {
        out.lengths.push_back(measure(examples[i].prompt, tokenizer) +
                              measure(examples[i].continuation, tokenizer));
    }
    return out;
}

DatasetPreview previewTextCorpus(const std::filesystem::path& path,
                                 const tokenize::Tokenizer* tokenizer,
                                 const PreviewLimits& limits)
{
    std::string text;
    for (const auto& file : corpusFiles(path)) {
        if (text.size() >= limits.textBytes)
            break;
        readStart(file, limits.textBytes - text.size(), text);
    }
    DatasetPreview out;
    out.lengthUnit = unitOf(tokenizer);
    for (const std::string_view document : splitDocuments(text)) {
        ++out.recordsRead;
        if (out.firstRecords.size() < limits.shown) {
            const auto newline = document.find('\n');
            const auto firstLine = document.substr(0, newline);
            const auto rest = newline == std::string_view::npos ? std::string_view()
                                                                : document.substr(newline + 1);
            out.firstRecords.push_back({std::string(firstLine), std::string(rest), {}});
        }
        if (out.lengths.size() < limits.measured)
            out.lengths.push_back(measure(document, tokenizer));
    }
    if (out.recordsRead == 0)
        throw Error(path.string() + ": holds no text to train on");
    return out;
}

} // namespace cpo::data
