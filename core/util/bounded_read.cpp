#include "util/bounded_read.h"

#include "util/error.h"

#include <fmt/format.h>

#include <fstream>

namespace cpo {

namespace {

std::string tooLarge(const std::filesystem::path& file, std::uintmax_t maxBytes,
                     std::string_view what)
{
    return fmt::format("{}: larger than the {} MiB a {} may have; is it the right file?",
                       file.string(), maxBytes >> 20, what);
}

} // namespace

std::string readBoundedFile(const std::filesystem::path& file, std::uintmax_t maxBytes,
                            std::string_view what)
{
    std::error_code error;
    if (std::filesystem::is_regular_file(file, error)) {
        const auto size = std::filesystem::file_size(file, error);
        if (!error && size > maxBytes)
            throw Error(tooLarge(file, maxBytes, what));
    }
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw Error(fmt::format("{}: cannot open the file ({}): check that it exists and is "
                                "readable",
                                file.string(), what));
    std::string text;
    constexpr std::size_t kChunk = 1 << 16;
    char buffer[kChunk];
    while (in) {
        in.read(buffer, kChunk);
        text.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (text.size() > maxBytes)
            throw Error(tooLarge(file, maxBytes, what));
    }
    return text;
}

} // namespace cpo
