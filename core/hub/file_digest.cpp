#include "hub/file_digest.h"

#include "util/error.h"

#include <openssl/evp.h>

#include <array>
#include <fstream>
#include <memory>
#include <string_view>

namespace cpo::hub {
namespace {

struct DigestContextDeleter {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

std::string digestHex(const std::filesystem::path& file, const EVP_MD* algorithm,
                      std::string_view prefix)
{
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw Error("cannot read " + file.string() + " to check its digest");
    std::unique_ptr<EVP_MD_CTX, DigestContextDeleter> context(EVP_MD_CTX_new());
    EVP_DigestInit_ex(context.get(), algorithm, nullptr);
    EVP_DigestUpdate(context.get(), prefix.data(), prefix.size());
    std::array<char, 1 << 20> buffer{};
    while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0)
        EVP_DigestUpdate(context.get(), buffer.data(), static_cast<std::size_t>(in.gcount()));
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    EVP_DigestFinal_ex(context.get(), digest.data(), &length);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
        hex += kHex[digest[i] >> 4];
        hex += kHex[digest[i] & 0xF];
    }
    return hex;
}

} // namespace

std::string sha256Hex(const std::filesystem::path& file)
{
    return digestHex(file, EVP_sha256(), {});
}

std::string gitBlobSha1Hex(const std::filesystem::path& file)
{
    const std::string header = "blob " + std::to_string(std::filesystem::file_size(file));
    return digestHex(file, EVP_sha1(), std::string_view(header.c_str(), header.size() + 1));
}

} // namespace cpo::hub
