#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cpo::model {

using Metadata = std::map<std::string, std::string>;

// A dtype the format names, and its element size in bytes.
struct SafetensorsDtype {
    std::string_view name;
    std::uint64_t size;
};

// F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL; null for any other name.
const SafetensorsDtype* safetensorsDtype(std::string_view name);
// Their names, for messages: "F32, F16, ...".
std::string supportedSafetensorsDtypes();

// One tensor's header entry.
struct SafetensorsEntry {
    std::string name;
    const SafetensorsDtype* dtype = nullptr;
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0; // relative to the start of the data section
    std::uint64_t end = 0;
};

// Where every tensor of a file lies, validated: entries sorted by offset.
struct SafetensorsLayout {
    std::vector<SafetensorsEntry> entries;
    Metadata metadata;
    std::uint64_t dataStart = 0; // absolute file offset
};

// Builds "<path>: ..." errors for one file.
class SafetensorsProblems {
public:
    explicit SafetensorsProblems(const std::filesystem::path& file)
        : m_prefix(file.string() + ": ")
    {
    }
    [[noreturn]] void fail(const std::string& what) const;
    [[noreturn]] void failTensor(const std::string& name, const std::string& what) const;

private:
    std::string m_prefix;
};

// The layout of a whole `.safetensors` file's bytes (u64 LE header length, JSON header, raw
// data): the header length against the file size, the JSON, each dtype, that shape x dtype
// size equals the data_offsets span, that the tensors tile the data section. Throws
// cpo::Error naming the file (and the tensor where there is one). Free of LibTorch, so it can
// be fuzzed on its own (fuzz/); model/safetensors.h copies the tensors out.
SafetensorsLayout parseSafetensorsLayout(std::span<const std::byte> file,
                                         const SafetensorsProblems& problems);

} // namespace cpo::model
