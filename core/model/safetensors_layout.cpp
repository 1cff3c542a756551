#include "model/safetensors_layout.h"

#include "util/error.h"
#include "util/json_parse.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <limits>
#include <optional>

namespace cpo::model {
namespace {

using json = nlohmann::json;

// HF's own limit (safetensors' MAX_HEADER_SIZE): a larger header is a corrupt length field,
// not a real model, and must not make us allocate or parse that much.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
constexpr std::size_t kLengthBytes = 8;
constexpr char kMetadataKey[] = "__metadata__";

constexpr std::array kDtypes{
    SafetensorsDtype{"F32", 4}, SafetensorsDtype{"F16", 2}, SafetensorsDtype{"BF16", 2},
    SafetensorsDtype{"F64", 8}, SafetensorsDtype{"I64", 8}, SafetensorsDtype{"I32", 4},
    SafetensorsDtype{"I16", 2}, SafetensorsDtype{"I8", 1},  SafetensorsDtype{"U8", 1},
    SafetensorsDtype{"BOOL", 1},
};

std::string shapeString(const std::vector<std::int64_t>& shape)
{
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

std::optional<std::uint64_t> nonNegativeInteger(const json& value)
{
    if (value.is_number_unsigned())
        return value.get<std::uint64_t>();
    if (value.is_number_integer() && value.get<std::int64_t>() >= 0)
        return static_cast<std::uint64_t>(value.get<std::int64_t>());
    return std::nullopt;
}

std::vector<std::int64_t> parseShape(const json& value, const std::string& name,
                                     const SafetensorsProblems& problems)
{
    if (!value.is_array())
        problems.failTensor(name, "'shape' must be an array of non-negative integers");
    std::vector<std::int64_t> shape;
    shape.reserve(value.size());
    for (const json& dim : value) {
        const auto size = nonNegativeInteger(dim);
        if (!size)
            problems.failTensor(name, "'shape' must hold non-negative integers, got "
                                          + (dim.is_number() ? dim.dump() : dim.type_name()));
        // torch sizes are int64; a larger dimension can only come from a corrupt header.
        if (*size > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            problems.failTensor(name, "shape dimension " + std::to_string(*size)
                                          + " is too large");
        shape.push_back(static_cast<std::int64_t>(*size));
    }
    return shape;
}

// Bytes the tensor must span, with every multiplication checked: a hostile shape such as
// [2^32, 2^32, 2^32] must give an error, not a wrapped-around small number. Zero dimensions
// count as one in the check, so that torch's contiguous strides (products of the trailing
// sizes) of an empty tensor such as [2^62, 2^62, 0] cannot overflow either.
std::uint64_t byteSize(const SafetensorsEntry& entry, const SafetensorsProblems& problems)
{
    constexpr auto kLimit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    std::uint64_t bytes = entry.dtype->size;
    for (const std::int64_t dim : entry.shape) {
        const auto factor = static_cast<std::uint64_t>(std::max<std::int64_t>(dim, 1));
        if (__builtin_mul_overflow(bytes, factor, &bytes) || bytes > kLimit)
            problems.failTensor(entry.name, "shape " + shapeString(entry.shape)
                                                + " overflows: too many elements");
    }
    return std::ranges::find(entry.shape, 0) == entry.shape.end() ? bytes : 0;
}

SafetensorsEntry parseEntry(const std::string& name, const json& value,
                            const SafetensorsProblems& problems)
{
    if (!value.is_object())
        problems.failTensor(name, "entry must be an object with dtype, shape, data_offsets");
    const auto dtype = value.find("dtype");
    if (dtype == value.end() || !dtype->is_string())
        problems.failTensor(name, "'dtype' is missing or not a string");
    SafetensorsEntry entry;
    entry.name = name;
    entry.dtype = safetensorsDtype(dtype->get_ref<const std::string&>());
    if (!entry.dtype)
        problems.failTensor(name, "unknown dtype '" + dtype->get<std::string>()
                                      + "' (supported: " + supportedSafetensorsDtypes() + ")");
    const auto shape = value.find("shape");
    if (shape == value.end())
        problems.failTensor(name, "'shape' is missing");
    entry.shape = parseShape(*shape, name, problems);

    const auto offsets = value.find("data_offsets");
    const auto begin = offsets != value.end() && offsets->is_array() && offsets->size() == 2
        ? nonNegativeInteger((*offsets)[0]) : std::nullopt;
    const auto end = begin ? nonNegativeInteger((*offsets)[1]) : std::nullopt;
    if (!begin || !end)
        problems.failTensor(name, "'data_offsets' must be two non-negative integers");
    if (*begin > *end)
        problems.failTensor(name, "data_offsets begin " + std::to_string(*begin)
                                      + " is after end " + std::to_string(*end));
    entry.begin = *begin;
    entry.end = *end;

    const std::uint64_t expected = byteSize(entry, problems);
    if (expected != entry.end - entry.begin)
        problems.failTensor(name, "shape " + shapeString(entry.shape) + " of "
                                      + std::string(entry.dtype->name) + " needs "
                                      + std::to_string(expected) + " bytes but data_offsets ["
                                      + std::to_string(entry.begin) + ", "
                                      + std::to_string(entry.end) + "] span "
                                      + std::to_string(entry.end - entry.begin));
    return entry;
}

Metadata parseMetadata(const json& value, const SafetensorsProblems& problems)
{
    if (!value.is_object())
        problems.fail("'__metadata__' must be an object of strings");
    Metadata metadata;
    for (const auto& [key, item] : value.items()) {
        if (!item.is_string())
            problems.fail("'__metadata__' value for '" + key + "' is not a string");
        metadata.emplace(key, item.get<std::string>());
    }
    return metadata;
}

std::uint64_t readHeaderLength(std::span<const std::byte> file,
                               const SafetensorsProblems& problems)
{
    if (file.size() < kLengthBytes)
        problems.fail("file is " + std::to_string(file.size())
                      + " bytes, too short for a safetensors file (at least 8)");
    std::uint64_t length = 0;
    for (std::size_t i = 0; i < kLengthBytes; ++i) // little-endian on every host
        length |= static_cast<std::uint64_t>(file[i]) << (8 * i);
    const std::uint64_t available = file.size() - kLengthBytes;
    if (length > available)
        problems.fail("header length " + std::to_string(length) + " exceeds file size "
                      + std::to_string(file.size()) + " (not a safetensors file, or truncated)");
    if (length > kMaxHeaderBytes)
        problems.fail("header length " + std::to_string(length) + " exceeds the "
                      + std::to_string(kMaxHeaderBytes) + "-byte limit");
    return length;
}

json parseJson(std::span<const std::byte> file, std::uint64_t length,
               const SafetensorsProblems& problems)
{
    const auto* text = reinterpret_cast<const char*>(file.data()) + kLengthBytes;
    json header;
    try {
        header = parseJsonBounded(std::string_view(text, length), "header");
    } catch (const Error& error) {
        problems.fail(error.what());
    } catch (const json::exception& error) {
        problems.fail(std::string("header is not valid JSON: ") + error.what());
    }
    if (!header.is_object())
        problems.fail(std::string("header must be a JSON object, got ") + header.type_name());
    return header;
}

// HF's rule: the tensors tile the data section exactly, no overlap, no gap, nothing after.
// Empty tensors occupy no bytes and are exempt.
void checkLayout(std::vector<SafetensorsEntry>& entries, std::uint64_t dataSize,
                 std::uint64_t fileSize, const SafetensorsProblems& problems)
{
    for (const SafetensorsEntry& entry : entries) {
        if (entry.end > dataSize)
            problems.failTensor(entry.name, "data ends at byte " + std::to_string(entry.end)
                                    + " but the data section has only "
                                    + std::to_string(dataSize) + " bytes: file truncated "
                                    + "(expected at least "
                                    + std::to_string(fileSize - dataSize + entry.end)
                                    + " bytes, actual " + std::to_string(fileSize) + ")");
    }
    std::ranges::sort(entries, {},
                      [](const SafetensorsEntry& e) { return std::pair(e.begin, e.end); });
    std::uint64_t covered = 0;
    const SafetensorsEntry* previous = nullptr;
    for (const SafetensorsEntry& entry : entries) {
        if (entry.begin == entry.end)
            continue;
        if (entry.begin < covered)
            problems.failTensor(entry.name, "data_offsets overlap those of '" + previous->name
                                                + "'");
        if (entry.begin > covered)
            problems.fail("data bytes " + std::to_string(covered) + ".."
                          + std::to_string(entry.begin) + " belong to no tensor");
        covered = entry.end;
        previous = &entry;
    }
    if (covered != dataSize)
        problems.fail("data section is " + std::to_string(dataSize)
                      + " bytes but the tensors cover only " + std::to_string(covered));
}

} // namespace

const SafetensorsDtype* safetensorsDtype(std::string_view name)
{
    const auto it = std::ranges::find(kDtypes, name, &SafetensorsDtype::name);
    return it == kDtypes.end() ? nullptr : &*it;
}

std::string supportedSafetensorsDtypes()
{
    std::string names;
    for (const SafetensorsDtype& dtype : kDtypes)
        names += (names.empty() ? "" : ", ") + std::string(dtype.name);
    return names;
}

void SafetensorsProblems::fail(const std::string& what) const
{
    throw Error(m_prefix + what);
}

void SafetensorsProblems::failTensor(const std::string& name, const std::string& what) const
{
    fail("tensor '" + name + "': " + what);
}

SafetensorsLayout parseSafetensorsLayout(std::span<const std::byte> file,
                                         const SafetensorsProblems& problems)
{
    const std::uint64_t length = readHeaderLength(file, problems);
    const json document = parseJson(file, length, problems);
    SafetensorsLayout layout;
    layout.dataStart = kLengthBytes + length;
    for (const auto& [name, value] : document.items()) {
        if (name == kMetadataKey)
            layout.metadata = parseMetadata(value, problems);
        else
            layout.entries.push_back(parseEntry(name, value, problems));
    }
    checkLayout(layout.entries, file.size() - layout.dataStart, file.size(), problems);
    return layout;
}

} // namespace cpo::model
