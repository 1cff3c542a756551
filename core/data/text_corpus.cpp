#include "data/text_corpus.h"

#include "util/error.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/mapped_file.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>

namespace cpo::data {
namespace {

constexpr std::string_view kWhitespace = " \t\r\n\v\f";

std::string_view trim(std::string_view text)
{
    const auto first = text.find_first_not_of(kWhitespace);
    if (first == std::string_view::npos)
        return {};
    return text.substr(first, text.find_last_not_of(kWhitespace) - first + 1);
}

void validate(const TextCorpusOptions& options, const tokenize::Tokenizer& tokenizer)
{
    if (options.prefixTokens < 1 || options.continuationTokens < 2)
        throw Error(fmt::format("a text corpus needs prefixTokens >= 1 and continuationTokens "
                                ">= 2 (EOS included); they are {} and {}",
                                options.prefixTokens, options.continuationTokens));
    if (!tokenizer.eosId())
        throw Error("the tokenizer (" + tokenizer.describe() + ") has no end-of-sequence "
                    "token, which every continuation must end with; use one that has");
}

} // namespace

std::vector<std::filesystem::path> corpusFiles(const std::filesystem::path& path)
{
    std::error_code error;
    if (!std::filesystem::is_directory(path, error))
        return {path};
    std::vector<std::filesystem::path> files;
    for (std::filesystem::directory_iterator it(path, error), end; !error && it != end;
         it.increment(error)) {
        if (it->is_regular_file(error) && it->path().extension() == ".txt")
            files.push_back(it->path());
    }
    if (error)
        throw Error(path.string() + ": cannot list the folder: " + error.message());
    if (files.empty())
        throw Error(path.string() + ": the folder holds no .txt file; point the corpus at a "
                                    ".txt file or a folder of them");
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
        return a.filename().string() < b.filename().string();
    });
    return files;
}

bool isTitleHeading(std::string_view line)
{
    const std::string_view t = trim(line);
    if (t.size() < 5 || !t.starts_with("= ") || !t.ends_with(" ="))
        return false;
    const std::string_view title = trim(t.substr(2, t.size() - 4));
    return !title.empty() && title.front() != '=' && title.back() != '=';
}

std::vector<std::string_view> splitDocuments(std::string_view text)
{
    std::vector<std::string_view> documents;
    std::size_t start = 0;
    const auto close = [&](std::size_t end) {
        const std::string_view document = text.substr(start, end - start);
        if (!trim(document).empty())
            documents.push_back(document);
        start = end;
    };
    for (std::size_t pos = 0; pos < text.size();) {
        const std::size_t newline = text.find('\n', pos);
        const std::size_t next = newline == std::string_view::npos ? text.size() : newline + 1;
        if (pos > start && isTitleHeading(text.substr(pos, next - pos)))
            close(pos);
        pos = next;
    }
    close(text.size());
    return documents;
}

TextCorpus loadTextCorpus(const TextCorpusOptions& options, const tokenize::Tokenizer& tokenizer)
{
    validate(options, tokenizer);
    const tokenize::TokenId eos = *tokenizer.eosId();
    const std::size_t windowText = options.prefixTokens + options.continuationTokens - 1;
    const std::size_t stride = options.stride > 0 ? options.stride : windowText;

    TextCorpus out;
    TextCorpusReport& report = out.report;
    for (const std::filesystem::path& path : corpusFiles(options.path)) {
        const MappedFile file(path);
        const std::string_view text(reinterpret_cast<const char*>(file.bytes().data()),
                                    file.size());
        const std::string category = path.stem().string();
        ++report.files;
        for (const std::string_view document : splitDocuments(text)) {
            ++report.documents;
            const std::vector<tokenize::TokenId> ids = tokenizer.encode(document, false);
            report.tokens += ids.size();
            if (ids.size() < windowText) {
                ++report.shortDocuments;
                continue;
            }
            const std::uint64_t documentHash = fnv1a64(document);
            for (std::size_t s = 0; s + windowText <= ids.size(); s += stride) {
                const auto begin = ids.begin() + static_cast<std::ptrdiff_t>(s);
                const auto cut = begin + static_cast<std::ptrdiff_t>(options.prefixTokens);
                const auto end = begin + static_cast<std::ptrdiff_t>(windowText);
                // EOS only where the document really ends; a window cut mid-text takes the
                // next text token instead, or it would teach the model to stop mid-sentence.
                const bool documentEnds = end == ids.end();
                TokenizedExample example{
                    {begin, cut}, {cut, documentEnds ? end : end + 1}, category, 0, documentHash};
                TextExample shown{tokenizer.decode(example.prefix),
                                  tokenizer.decode(example.continuation), category};
                if (documentEnds)
                    example.continuation.push_back(eos);
                example.hash = exampleHash(shown.prompt, shown.continuation);
                out.examples.push_back(std::move(example));
                out.texts.push_back(std::move(shown));
            }
        }
    }
    report.examples = out.examples.size();
    if (out.examples.empty())
        throw Error(fmt::format("{}: no document has the {} tokens one example needs ({} "
                                "prefix + {} continuation - 1 for EOS); lower prefixTokens or "
                                "continuationTokens",
                                options.path.string(), windowText, options.prefixTokens,
                                options.continuationTokens));
    cpo::log::get("data")->info(
        "{}: {} documents in {} files, {} tokens, {} examples of {} + {} tokens ({} documents "
        "too short)",
        options.path.string(), report.documents, report.files, report.tokens, report.examples,
        options.prefixTokens, options.continuationTokens, report.shortDocuments);
    return out;
}

} // namespace cpo::data
