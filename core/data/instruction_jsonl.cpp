#include "data/instruction_jsonl.h"

#include "data/utf8.h"
#include "util/error.h"
#include "util/json_parse.h"
#include "util/log.h"
#include "util/mapped_file.h"

#include <nlohmann/json.hpp>
#include <spdlog/fmt/fmt.h>

#include <optional>
#include <variant>

namespace cpo::data {
namespace {

using nlohmann::json;

constexpr std::string_view kWhitespace = " \t\r\n\v\f";
constexpr std::string_view kInstruction = "{instruction}";
constexpr std::string_view kContext = "{context}";
// How many malformed lines a refusal quotes; the report holds more.
constexpr std::size_t kQuotedBadLines = 5;

std::string_view trim(std::string_view text)
{
    const auto first = text.find_first_not_of(kWhitespace);
    if (first == std::string_view::npos)
        return {};
    return text.substr(first, text.find_last_not_of(kWhitespace) - first + 1);
}

// nlohmann's messages start with "[json.exception.parse_error.101] parse error at line 1,
// column 5: ..."; its line is always 1 here (one record per line), so keep column and cause.
std::string describeParseError(const json::parse_error& e)
{
    const std::string_view what = e.what();
    const auto colon = what.find(": ", what.find("column"));
    const std::string_view cause =
        colon == std::string_view::npos ? what : what.substr(colon + 2);
    return fmt::format("invalid JSON at column {}: {}", e.byte, cause);
}

// A field's value, or why the record cannot be used.
using FieldValue = std::variant<std::string, BadLine>;

FieldValue readField(const json& record, const std::string& name, bool required)
{
    const auto it = name.empty() ? record.end() : record.find(name);
    if (it == record.end() || it->is_null()) {
        if (required)
            return BadLine{0, fmt::format("missing field \"{}\"", name)};
        return std::string();
    }
    if (!it->is_string())
        return BadLine{0, fmt::format("field \"{}\" is {} {}, not a string", name,
                                      it->is_array() || it->is_object() ? "an" : "a",
                                      it->type_name())};
    const std::string_view value = trim(it->get_ref<const std::string&>());
    if (required && value.empty())
        return BadLine{0, fmt::format("field \"{}\" is blank", name)};
    return std::string(value);
}

struct ParsedLine {
    std::optional<TextExample> example;
    std::string reason;
    std::optional<std::vector<std::string>> keys; // of a JSON object, to hint at a mapping
};

ParsedLine parseLine(std::string_view line, const InstructionJsonlOptions& options)
{
    if (const auto bad = firstInvalidUtf8(line))
        return {std::nullopt, fmt::format("invalid UTF-8 at byte {}", *bad + 1), std::nullopt};
    json record;
    try {
        record = parseJsonBounded(line, "the line");
    } catch (const json::parse_error& e) {
        return {std::nullopt, describeParseError(e), std::nullopt};
    } catch (const Error& e) { // nested too deep, or a number beyond a double's range
        const std::string_view what = e.what();
        const auto cause = what.find(": "); // after parseJsonBounded's "the line"
        return {std::nullopt,
                std::string(cause == std::string_view::npos ? what : what.substr(cause + 2)),
                std::nullopt};
    }
    if (!record.is_object())
        return {std::nullopt, fmt::format("not a JSON object (a {})", record.type_name()),
                std::nullopt};

    std::vector<std::string> keys;
    for (const auto& item : record.items())
        keys.push_back(item.key());
    const FieldMapping& f = options.fields;
    const FieldValue instruction = readField(record, f.instruction, true);
    const FieldValue context = readField(record, f.context, false);
    const FieldValue response = readField(record, f.response, true);
    const FieldValue category = readField(record, f.category, false);
    for (const FieldValue* value : {&instruction, &context, &response, &category}) {
        if (const auto* bad = std::get_if<BadLine>(value))
            return {std::nullopt, bad->reason, std::move(keys)};
    }
    const auto value = [](const FieldValue& v) -> const std::string& {
        return std::get<std::string>(v);
    };
    return {TextExample{options.prompt.render(value(instruction), value(context)),
                        value(response), value(category)},
            {}, std::move(keys)};
}

std::string quoteBadLines(const std::vector<BadLine>& bad)
{
    std::string out;
    for (std::size_t i = 0; i < bad.size() && i < kQuotedBadLines; ++i)
        out += fmt::format("{}line {}: {}", i == 0 ? "" : "; ", bad[i].line, bad[i].reason);
    return out;
}

std::string describeMapping(const FieldMapping& f)
{
    return fmt::format("instruction=\"{}\", context=\"{}\", response=\"{}\", category=\"{}\"",
                       f.instruction, f.context, f.response, f.category);
}

} // namespace

FieldMapping FieldMapping::dolly() { return {}; }

FieldMapping FieldMapping::alpaca() { return {"instruction", "input", "output", ""}; }

FieldMapping FieldMapping::promptResponse() { return {"prompt", "", "response", ""}; }

FieldMapping FieldMapping::preset(std::string_view name)
{
    if (name == "dolly")
        return dolly();
    if (name == "alpaca")
        return alpaca();
    if (name == "prompt_response")
        return promptResponse();
    throw Error(fmt::format("unknown field mapping \"{}\"; the presets are dolly, alpaca and "
                            "prompt_response, or name each field yourself", name));
}

void PromptTemplate::validate() const
{
    const auto has = [](const std::string& text, std::string_view placeholder) {
        return text.find(placeholder) != std::string::npos;
    };
    if (!has(withContext, kInstruction) || !has(withContext, kContext))
        throw Error("the prompt template for records with a context must contain both "
                    "{instruction} and {context}; it is: \"" + withContext + "\"");
    if (!has(withoutContext, kInstruction) || has(withoutContext, kContext))
        throw Error("the prompt template for records without a context must contain "
                    "{instruction} and not {context}; it is: \"" + withoutContext + "\"");
}

std::string PromptTemplate::render(std::string_view instruction, std::string_view context) const
{
    const std::string& pattern = trim(context).empty() ? withoutContext : withContext;
    std::string out;
    std::size_t pos = 0;
    while (pos < pattern.size()) {
        const std::size_t brace = pattern.find('{', pos);
        if (brace == std::string::npos) {
            out.append(pattern, pos);
            break;
        }
        out.append(pattern, pos, brace - pos);
        const std::string_view rest = std::string_view(pattern).substr(brace);
        if (rest.starts_with(kInstruction)) {
            out += instruction;
            pos = brace + kInstruction.size();
        } else if (rest.starts_with(kContext)) {
            out += context;
            pos = brace + kContext.size();
        } else {
            out += '{';
            pos = brace + 1;
        }
    }
    return out;
}

InstructionDataset loadInstructionJsonl(const std::filesystem::path& path,
                                        const InstructionJsonlOptions& options)
{
    options.prompt.validate();
    if (!(options.maxBadFraction >= 0.0 && options.maxBadFraction <= 1.0))
        throw Error(fmt::format("maxBadFraction is {}; it must lie between 0 and 1",
                                options.maxBadFraction));
    std::error_code sizeError;
    const auto bytes = std::filesystem::file_size(path, sizeError);
    if (!sizeError && bytes > kMaxJsonlFileBytes)
        throw Error(fmt::format("{}: {} bytes, more than the {} GiB an instruction dataset may "
                                "have; split it, or keep a sample of it",
                                path.string(), bytes, kMaxJsonlFileBytes >> 30));
    const MappedFile file(path);
    std::string_view text(reinterpret_cast<const char*>(file.bytes().data()), file.size());
    if (text.starts_with("\xef\xbb\xbf")) // a UTF-8 byte order mark some editors write
        text.remove_prefix(3);

    InstructionDataset out;
    JsonlLoadReport& report = out.report;
    std::optional<std::vector<std::string>> firstKeys;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        const std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        ++report.lines;
        if (line.size() > kMaxJsonlLineBytes)
            throw Error(fmt::format("{}:{}: a line of {} bytes, more than the {} MiB one record "
                                    "may have; an instruction dataset has one JSON object per "
                                    "line: is this the right file?",
                                    path.string(), report.lines, line.size(),
                                    kMaxJsonlLineBytes >> 20));
        if (trim(line).empty())
            continue;
        ++report.records;
        ParsedLine parsed = parseLine(line, options);
        if (!firstKeys && parsed.keys)
            firstKeys = std::move(parsed.keys);
        if (parsed.example) {
            out.examples.push_back(std::move(*parsed.example));
            continue;
        }
        ++report.skipped;
        if (report.badLines.size() < options.maxReportedBadLines)
            report.badLines.push_back({report.lines, std::move(parsed.reason)});
    }
    report.loaded = out.examples.size();

    const std::string name = path.string();
    if (report.records == 0)
        throw Error(name + ": the file is empty; an instruction dataset has one JSON object "
                           "per line, e.g. {\"instruction\": ..., \"response\": ...}");
    const double badShare = static_cast<double>(report.skipped) / report.records;
    if (report.loaded == 0 || badShare > options.maxBadFraction) {
        std::string hint;
        if (firstKeys) {
            hint = " The first JSON object has the fields:";
            for (const std::string& key : *firstKeys)
                hint += " \"" + key + "\"";
            hint += ".";
        }
        const std::string verdict =
            report.loaded == 0
                ? fmt::format("none of the {} records is usable", report.records)
                : fmt::format("{} of {} records are malformed ({:.1f}%, more than the {:.1f}% "
                              "allowed)",
                              report.skipped, report.records, 100.0 * badShare,
                              100.0 * options.maxBadFraction);
        throw Error(fmt::format("{}: {}: {}.{} Check the field mapping ({}) and the file, or "
                                "allow more bad lines.",
                                name, verdict, quoteBadLines(report.badLines), hint,
                                describeMapping(options.fields)));
    }
    const auto logger = cpo::log::get("data");
    if (report.skipped > 0)
        logger->warn("{}: skipped {} malformed of {} records: {}", name, report.skipped,
                     report.records, quoteBadLines(report.badLines));
    logger->info("{}: loaded {} instruction examples", name, report.loaded);
    return out;
}

} // namespace cpo::data
