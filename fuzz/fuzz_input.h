#pragma once

// Helpers the fuzz targets share. Each target feeds libFuzzer's bytes to one reader of the
// program exactly as the program calls it; the reader must return or throw cpo::Error (what
// `cpo` reports as a one-line error). Anything else -- a crash, a sanitizer report, another
// exception type escaping, a hang, unbounded memory -- is a finding.

#include "util/log.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <unistd.h>

namespace cpo::fuzz {

// What a target that loaded a tokenizer encodes and decodes again: words, a special token,
// digits and accented letters.
inline constexpr std::string_view kSampleText = "Hello, world! <|endoftext|> 123 \xc3\xa9t\xc3\xa9";

inline std::string_view asText(const std::uint8_t* data, std::size_t size)
{
    return {reinterpret_cast<const char*>(data), size};
}

// A folder of this process's own for the files the readers take by path (made once).
inline const std::filesystem::path& scratchFolder()
{
    static const std::filesystem::path folder = [] {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                              "/cpo-fuzz-XXXXXX";
        if (mkdtemp(pattern.data()) == nullptr)
            std::abort();
        return std::filesystem::path(pattern);
    }();
    return folder;
}

// Writes `bytes` to `name` in the scratch folder and returns its path.
inline std::filesystem::path scratchFile(std::string_view name, std::string_view bytes)
{
    const auto file = scratchFolder() / name;
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out)
        std::abort();
    return file;
}

// The part of `text` before the first `separator` and the part after it (empty when absent):
// how a target that reads two inputs (two files, a file and its --set lines) splits one.
inline std::pair<std::string_view, std::string_view> splitAt(std::string_view text,
                                                              std::string_view separator)
{
    const auto at = text.find(separator);
    if (at == std::string_view::npos)
        return {text, {}};
    return {text.substr(0, at), text.substr(at + separator.size())};
}

} // namespace cpo::fuzz

// Logs off: a reader's warning for every input would drown libFuzzer's output and slow it.
extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    cpo::log::setLevel(spdlog::level::off);
    return 0;
}
