#include "data/decompress.h"

#include "util/error.h"
#include "util/mapped_file.h"

#include <lz4frame.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>

namespace cpo::data {
namespace {

using Bytes = std::span<const std::byte>;

bool startsWith(Bytes bytes, std::initializer_list<std::uint8_t> magic)
{
    if (bytes.size() < magic.size())
        return false;
    return std::equal(magic.begin(), magic.end(), bytes.begin(),
                      [](std::uint8_t m, std::byte b) { return std::byte{m} == b; });
}

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what)
{
    throw Error(path.string() + ": " + what);
}

// Output grows in chunks of this size; a list decompresses to ~5x its size, so a few
// reallocations at most.
constexpr std::size_t kChunk = std::size_t{1} << 20;

std::string gunzip(Bytes input, const std::filesystem::path& path)
{
    if (input.size() > std::numeric_limits<uInt>::max())
        fail(path, "gzip file larger than 4 GiB; decompress it first (gzip -dk FILE)");
    z_stream stream{};
    // 15 + 32: the largest window, with gzip/zlib header detection.
    if (inflateInit2(&stream, 15 + 32) != Z_OK)
        fail(path, "cannot start zlib's inflate");
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(input.data()));
    stream.avail_in = static_cast<uInt>(input.size());
    std::string out;
    std::size_t used = 0;
    while (true) {
        if (out.size() - used < kChunk)
            out.resize(out.size() + kChunk);
        stream.next_out = reinterpret_cast<Bytef*>(out.data() + used);
        stream.avail_out = static_cast<uInt>(out.size() - used);
        const int status = inflate(&stream, Z_NO_FLUSH);
        used = out.size() - stream.avail_out;
        if (status == Z_STREAM_END) {
            if (stream.avail_in == 0)
                break;
            // gzip allows several members back to back.
            inflateReset(&stream);
            continue;
        }
        // With output space to spare, Z_BUF_ERROR means the input ran out mid-stream.
        if (status == Z_BUF_ERROR) {
            inflateEnd(&stream);
            fail(path, "gzip data ends early (truncated file?); re-fetch it (for apt lists: "
                       "apt-get update)");
        }
        if (status != Z_OK) {
            const std::string message =
                stream.msg ? stream.msg : "error " + std::to_string(status);
            inflateEnd(&stream);
            fail(path, "corrupt gzip data (" + message + "); delete the file and re-fetch it "
                       "(for apt lists: apt-get update)");
        }
    }
    inflateEnd(&stream);
    out.resize(used);
    return out;
}

std::string unlz4(Bytes input, const std::filesystem::path& path)
{
    LZ4F_dctx* context = nullptr;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&context, LZ4F_VERSION)))
        fail(path, "cannot start LZ4 decompression");
    std::string out;
    std::size_t used = 0;
    std::size_t offset = 0;
    // LZ4F_decompress returns 0 once a frame is complete, otherwise a hint of how many more
    // input bytes the frame needs; frames may follow each other. Once the input is used up
    // it is called until it produces nothing more, to flush what it buffered.
    std::size_t hint = 0;
    while (true) {
        if (out.size() - used < kChunk)
            out.resize(out.size() + kChunk);
        std::size_t outSize = out.size() - used;
        std::size_t inSize = input.size() - offset;
        hint = LZ4F_decompress(context, out.data() + used, &outSize, input.data() + offset,
                               &inSize, nullptr);
        if (LZ4F_isError(hint)) {
            const std::string message = LZ4F_getErrorName(hint);
            LZ4F_freeDecompressionContext(context);
            fail(path, "corrupt LZ4 data (" + message + "); delete the file and re-fetch it "
                       "(for apt lists: apt-get update)");
        }
        used += outSize;
        offset += inSize;
        if (offset == input.size() && (hint == 0 || outSize == 0))
            break;
    }
    LZ4F_freeDecompressionContext(context);
    if (hint != 0)
        fail(path, "LZ4 data ends early (truncated file?); re-fetch it (for apt lists: "
                   "apt-get update)");
    out.resize(used);
    return out;
}

} // namespace

std::string readDecompressed(const std::filesystem::path& path)
{
    const MappedFile file(path);
    const Bytes bytes = file.bytes();
    if (startsWith(bytes, {0x1f, 0x8b}))
        return gunzip(bytes, path);
    if (startsWith(bytes, {0x04, 0x22, 0x4d, 0x18}))
        return unlz4(bytes, path);
    constexpr std::array<std::pair<std::string_view, std::string_view>, 3> unsupported{{
        {"\xfd" "7zXZ", "xz -dk"}, {"\x28\xb5\x2f\xfd", "zstd -d"}, {"BZh", "bzip2 -dk"}}};
    const std::string_view head(reinterpret_cast<const char*>(bytes.data()),
                                std::min<std::size_t>(bytes.size(), 8));
    for (const auto& [magic, tool] : unsupported) {
        if (head.starts_with(magic))
            fail(path, "compressed in a format CPO Studio does not read (plain, gzip and lz4 "
                       "are); decompress it first (" + std::string(tool) + " FILE)");
    }
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

} // namespace cpo::data
