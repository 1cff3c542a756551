#include "model/safetensors.h"

#include "util/error.h"
#include "util/json_parse.h"
#include "util/mapped_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

namespace cpo::model {
namespace {

// The format stores little-endian data and we copy it byte for byte.
static_assert(std::endian::native == std::endian::little,
              "safetensors I/O assumes a little-endian host");

using json = nlohmann::json;

// HF's own limit (safetensors' MAX_HEADER_SIZE): a larger header is a corrupt length field,
// not a real model, and must not make us allocate or parse that much.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
constexpr std::size_t kLengthBytes = 8;
constexpr char kMetadataKey[] = "__metadata__";

struct Dtype {
    std::string_view name;
    torch::ScalarType type;
    std::uint64_t size;
};

constexpr std::array kDtypes{
    Dtype{"F32", torch::kFloat32, 4}, Dtype{"F16", torch::kFloat16, 2},
    Dtype{"BF16", torch::kBFloat16, 2}, Dtype{"F64", torch::kFloat64, 8},
    Dtype{"I64", torch::kInt64, 8},   Dtype{"I32", torch::kInt32, 4},
    Dtype{"I16", torch::kInt16, 2},   Dtype{"I8", torch::kInt8, 1},
    Dtype{"U8", torch::kUInt8, 1},    Dtype{"BOOL", torch::kBool, 1},
};

const Dtype* dtypeByName(std::string_view name)
{
    const auto it = std::ranges::find(kDtypes, name, &Dtype::name);
    return it == kDtypes.end() ? nullptr : &*it;
}

const Dtype* dtypeByType(torch::ScalarType type)
{
    const auto it = std::ranges::find(kDtypes, type, &Dtype::type);
    return it == kDtypes.end() ? nullptr : &*it;
}

std::string supportedDtypes()
{
    std::string names;
    for (const Dtype& dtype : kDtypes)
        names += (names.empty() ? "" : ", ") + std::string(dtype.name);
    return names;
}

// One tensor's header entry, validated against itself (not yet against the file size).
struct Entry {
    std::string name;
    const Dtype* dtype = nullptr;
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0; // relative to the start of the data section
    std::uint64_t end = 0;
};

struct Header {
    std::vector<Entry> entries;
    Metadata metadata;
    std::uint64_t dataStart = 0; // absolute file offset
};

// Builds "<path>: ..." errors for one file.
class Problems {
public:
    explicit Problems(const std::filesystem::path& file) : m_prefix(file.string() + ": ") {}

    [[noreturn]] void fail(const std::string& what) const { throw Error(m_prefix + what); }
    [[noreturn]] void failTensor(const std::string& name, const std::string& what) const
    {
        fail("tensor '" + name + "': " + what);
    }

private:
    std::string m_prefix;
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
                                     const Problems& problems)
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
std::uint64_t byteSize(const Entry& entry, const Problems& problems)
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

Entry parseEntry(const std::string& name, const json& value, const Problems& problems)
{
    if (!value.is_object())
        problems.failTensor(name, "entry must be an object with dtype, shape, data_offsets");
    const auto dtype = value.find("dtype");
    if (dtype == value.end() || !dtype->is_string())
        problems.failTensor(name, "'dtype' is missing or not a string");
    Entry entry;
    entry.name = name;
    entry.dtype = dtypeByName(dtype->get_ref<const std::string&>());
    if (!entry.dtype)
        problems.failTensor(name, "unknown dtype '" + dtype->get<std::string>()
                                      + "' (supported: " + supportedDtypes() + ")");
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

Metadata parseMetadata(const json& value, const Problems& problems)
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

std::uint64_t readHeaderLength(const MappedFile& map, const Problems& problems)
{
    if (map.size() < kLengthBytes)
        problems.fail("file is " + std::to_string(map.size())
                      + " bytes, too short for a safetensors file (at least 8)");
    std::uint64_t length = 0;
    std::memcpy(&length, map.bytes().data(), kLengthBytes);
    const std::uint64_t available = map.size() - kLengthBytes;
    if (length > available)
        problems.fail("header length " + std::to_string(length) + " exceeds file size "
                      + std::to_string(map.size()) + " (not a safetensors file, or truncated)");
    if (length > kMaxHeaderBytes)
        problems.fail("header length " + std::to_string(length) + " exceeds the "
                      + std::to_string(kMaxHeaderBytes) + "-byte limit");
    return length;
}

json parseJson(const MappedFile& map, std::uint64_t length, const Problems& problems)
{
    const auto* text = reinterpret_cast<const char*>(map.bytes().data()) + kLengthBytes;
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
void checkLayout(std::vector<Entry>& entries, std::uint64_t dataSize, std::uint64_t fileSize,
                 const Problems& problems)
{
    for (const Entry& entry : entries) {
        if (entry.end > dataSize)
            problems.failTensor(entry.name, "data ends at byte " + std::to_string(entry.end)
                                    + " but the data section has only "
                                    + std::to_string(dataSize) + " bytes: file truncated "
                                    + "(expected at least "
                                    + std::to_string(fileSize - dataSize + entry.end)
                                    + " bytes, actual " + std::to_string(fileSize) + ")");
    }
    std::ranges::sort(entries, {}, [](const Entry& e) { return std::pair(e.begin, e.end); });
    std::uint64_t covered = 0;
    const Entry* previous = nullptr;
    for (const Entry& entry : entries) {
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

Header parseHeader(const MappedFile& map, const Problems& problems)
{
    const std::uint64_t length = readHeaderLength(map, problems);
    const json document = parseJson(map, length, problems);
    Header header;
    header.dataStart = kLengthBytes + length;
    for (const auto& [name, value] : document.items()) {
        if (name == kMetadataKey)
            header.metadata = parseMetadata(value, problems);
        else
            header.entries.push_back(parseEntry(name, value, problems));
    }
    checkLayout(header.entries, map.size() - header.dataStart, map.size(), problems);
    return header;
}

torch::Tensor copyTensor(const MappedFile& map, const Header& header, const Entry& entry)
{
    // BOOL bytes other than 0/1 would be invalid torch bools; read them as U8 and normalise.
    const bool isBool = entry.dtype->type == torch::kBool;
    torch::Tensor tensor = torch::empty(entry.shape, isBool ? torch::kUInt8 : entry.dtype->type);
    if (entry.end > entry.begin) {
        // memcpy rather than from_blob: data in the map need not be aligned for the dtype.
        std::memcpy(tensor.data_ptr(), map.bytes().data() + header.dataStart + entry.begin,
                    entry.end - entry.begin);
    }
    return isBool ? tensor.ne(0) : tensor;
}

json entryJson(const torch::Tensor& tensor, const Dtype& dtype, std::uint64_t begin)
{
    return {{"dtype", std::string(dtype.name)},
            {"shape", tensor.sizes().vec()},
            {"data_offsets", {begin, begin + tensor.nbytes()}}};
}

// A contiguous CPU copy (or the tensor itself when it already is one), checked for a dtype
// the format can store.
torch::Tensor storableTensor(const std::string& name, const torch::Tensor& tensor,
                             const Problems& problems)
{
    if (!tensor.defined())
        problems.failTensor(name, "cannot write an undefined tensor");
    if (!dtypeByType(tensor.scalar_type()))
        problems.failTensor(name, std::string("cannot write dtype ")
                                      + c10::toString(tensor.scalar_type()) + " (supported: "
                                      + supportedDtypes() + ")");
    return tensor.detach().to(torch::kCPU).contiguous();
}

std::string headerText(const TensorMap& tensors, const Metadata& metadata,
                       const Problems& problems)
{
    json header = json::object();
    if (!metadata.empty())
        header[kMetadataKey] = metadata;
    std::uint64_t offset = 0;
    for (const auto& [name, tensor] : tensors) {
        if (name == kMetadataKey)
            problems.failTensor(name, "this name is reserved for the metadata");
        header[name] = entryJson(tensor, *dtypeByType(tensor.scalar_type()), offset);
        offset += tensor.nbytes();
    }
    std::string text;
    try {
        text = header.dump();
    } catch (const json::exception& error) { // e.g. a name that is not valid UTF-8
        problems.fail(std::string("cannot encode header: ") + error.what());
    }
    // Pad so the data section starts 8-byte aligned, as HF's writer does.
    text.append((kLengthBytes - text.size() % kLengthBytes) % kLengthBytes, ' ');
    return text;
}

void writeFile(const std::filesystem::path& file, const std::string& header,
               const TensorMap& tensors)
{
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    if (!out)
        throw Error(file.string() + ": cannot open for writing: " + std::strerror(errno));
    const std::uint64_t length = header.size();
    out.write(reinterpret_cast<const char*>(&length), kLengthBytes);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    for (const auto& [name, tensor] : tensors)
        out.write(static_cast<const char*>(tensor.data_ptr()),
                  static_cast<std::streamsize>(tensor.nbytes()));
    out.close();
    if (!out)
        throw Error(file.string() + ": write failed (disk full?)");
}

} // namespace

TensorMap readSafetensors(const std::filesystem::path& file)
{
    const MappedFile map(file);
    const Problems problems(file);
    const Header header = parseHeader(map, problems);
    TensorMap tensors;
    for (const Entry& entry : header.entries)
        tensors.emplace(entry.name, copyTensor(map, header, entry));
    return tensors;
}

Metadata readSafetensorsMetadata(const std::filesystem::path& file)
{
    const MappedFile map(file);
    return parseHeader(map, Problems(file)).metadata;
}

void writeSafetensors(const TensorMap& tensors, const std::filesystem::path& file,
                      const Metadata& metadata)
{
    const Problems problems(file);
    TensorMap storable;
    for (const auto& [name, tensor] : tensors)
        storable.emplace(name, storableTensor(name, tensor, problems));
    const std::string header = headerText(storable, metadata, problems);

    std::filesystem::path temporary = file;
    temporary += ".tmp";
    std::error_code error;
    try {
        writeFile(temporary, header, storable);
        std::filesystem::rename(temporary, file, error);
    } catch (const Error&) {
        std::filesystem::remove(temporary, error);
        throw;
    }
    if (error) {
        const std::string reason = error.message();
        std::filesystem::remove(temporary, error);
        problems.fail("cannot rename " + temporary.filename().string() + " into place: "
                      + reason);
    }
}

} // namespace cpo::model
