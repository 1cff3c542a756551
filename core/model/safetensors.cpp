#include "model/safetensors.h"

#include "util/error.h"
#include "util/mapped_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string_view>
#include <system_error>
#include <vector>

namespace cpo::model {
namespace {

// The format stores little-endian data and we copy it byte for byte.
static_assert(std::endian::native == std::endian::little,
              "safetensors I/O assumes a little-endian host");

using json = nlohmann::json;

constexpr std::size_t kLengthBytes = 8;
constexpr char kMetadataKey[] = "__metadata__";

// The torch type of each dtype the format names (safetensors_layout.h).
struct TorchDtype {
    std::string_view name;
    torch::ScalarType type;
};

constexpr std::array kTorchDtypes{
    TorchDtype{"F32", torch::kFloat32}, TorchDtype{"F16", torch::kFloat16},
    TorchDtype{"BF16", torch::kBFloat16}, TorchDtype{"F64", torch::kFloat64},
    TorchDtype{"I64", torch::kInt64},   TorchDtype{"I32", torch::kInt32},
    TorchDtype{"I16", torch::kInt16},   TorchDtype{"I8", torch::kInt8},
    TorchDtype{"U8", torch::kUInt8},    TorchDtype{"BOOL", torch::kBool},
};

torch::ScalarType torchType(const SafetensorsDtype& dtype)
{
    return std::ranges::find(kTorchDtypes, dtype.name, &TorchDtype::name)->type;
}

// The format's name of a torch type; null when the format cannot store it.
const SafetensorsDtype* dtypeByType(torch::ScalarType type)
{
    const auto it = std::ranges::find(kTorchDtypes, type, &TorchDtype::type);
    return it == kTorchDtypes.end() ? nullptr : safetensorsDtype(it->name);
}

torch::Tensor copyTensor(const MappedFile& map, const SafetensorsLayout& header,
                         const SafetensorsEntry& entry)
{
    // BOOL bytes other than 0/1 would be invalid torch bools; read them as U8 and normalise.
    const auto type = torchType(*entry.dtype);
    const bool isBool = type == torch::kBool;
    torch::Tensor tensor = torch::empty(entry.shape, isBool ? torch::kUInt8 : type);
    if (entry.end > entry.begin) {
        // memcpy rather than from_blob: data in the map need not be aligned for the dtype.
        std::memcpy(tensor.data_ptr(), map.bytes().data() + header.dataStart + entry.begin,
                    entry.end - entry.begin);
    }
    return isBool ? tensor.ne(0) : tensor;
}

json entryJson(const torch::Tensor& tensor, const SafetensorsDtype& dtype, std::uint64_t begin)
{
    return {{"dtype", std::string(dtype.name)},
            {"shape", tensor.sizes().vec()},
            {"data_offsets", {begin, begin + tensor.nbytes()}}};
}

// A contiguous CPU copy (or the tensor itself when it already is one), checked for a dtype
// the format can store.
torch::Tensor storableTensor(const std::string& name, const torch::Tensor& tensor,
                             const SafetensorsProblems& problems)
{
    if (!tensor.defined())
        problems.failTensor(name, "cannot write an undefined tensor");
    if (!dtypeByType(tensor.scalar_type()))
        problems.failTensor(name, std::string("cannot write dtype ")
                                      + c10::toString(tensor.scalar_type()) + " (supported: "
                                      + supportedSafetensorsDtypes() + ")");
    return tensor.detach().to(torch::kCPU).contiguous();
}

std::string headerText(const TensorMap& tensors, const Metadata& metadata,
                       const SafetensorsProblems& problems)
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
    const SafetensorsLayout header =
        parseSafetensorsLayout(map.bytes(), SafetensorsProblems(file));
    TensorMap tensors;
    for (const SafetensorsEntry& entry : header.entries)
        tensors.emplace(entry.name, copyTensor(map, header, entry));
    return tensors;
}

Metadata readSafetensorsMetadata(const std::filesystem::path& file)
{
    const MappedFile map(file);
    return parseSafetensorsLayout(map.bytes(), SafetensorsProblems(file)).metadata;
}

void writeSafetensors(const TensorMap& tensors, const std::filesystem::path& file,
                      const Metadata& metadata)
{
    const SafetensorsProblems problems(file);
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
