#include "train/cpo/reference_cache.h"

#include "util/error.h"

#include <algorithm>
#include <bit>

namespace cpo::train {
namespace {

void putU64(std::string& out, std::uint64_t value)
{
    for (int i = 0; i < 8; ++i)
        out.push_back(static_cast<char>((value >> (8 * i)) & 0xffU));
}

// Reads what putU64 wrote; false when the bytes run out.
bool takeU64(std::string_view& in, std::uint64_t& value)
{
    if (in.size() < 8)
        return false;
    value = 0;
    for (int i = 0; i < 8; ++i)
        value |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
    in.remove_prefix(8);
    return true;
}

} // namespace

const std::vector<float>* ReferenceCache::find(std::uint64_t hash, std::size_t length) const
{
    const auto it = m_entries.find(hash);
    return it != m_entries.end() && it->second.size() == length ? &it->second : nullptr;
}

void ReferenceCache::insert(std::uint64_t hash, std::vector<float> logProbs)
{
    if (m_entries.size() < m_maxEntries)
        m_entries.emplace(hash, std::move(logProbs));
}


std::string ReferenceCache::serialize() const
{
    std::vector<std::uint64_t> hashes;
    hashes.reserve(m_entries.size());
    for (const auto& entry : m_entries)
        hashes.push_back(entry.first);
    std::sort(hashes.begin(), hashes.end()); // the same cache, the same bytes
    std::string out;
    putU64(out, hashes.size());
    for (const auto hash : hashes) {
        const auto& values = m_entries.at(hash);
        putU64(out, hash);
        putU64(out, values.size());
        for (const float value : values) {
            const auto bits = std::bit_cast<std::uint32_t>(value);
            for (int i = 0; i < 4; ++i)
                out.push_back(static_cast<char>((bits >> (8 * i)) & 0xffU));
        }
    }
    return out;
}

void ReferenceCache::restore(std::string_view bytes, const std::string& source)
{
    const auto damaged = [&source] {
        return Error(source + ": the reference cache in the training state is damaged. "
                     "Resume from an earlier checkpoint");
    };
    std::uint64_t count = 0;
    if (!takeU64(bytes, count))
        throw damaged();
    m_entries.clear();
    for (std::uint64_t e = 0; e < count; ++e) {
        std::uint64_t hash = 0;
        std::uint64_t length = 0;
        if (!takeU64(bytes, hash) || !takeU64(bytes, length) || bytes.size() / 4 < length)
            throw damaged();
        std::vector<float> values(length);
        for (auto& value : values) {
            std::uint32_t bits = 0;
            for (int i = 0; i < 4; ++i)
                bits |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i]))
                        << (8 * i);
            value = std::bit_cast<float>(bits);
            bytes.remove_prefix(4);
        }
        insert(hash, std::move(values));
    }
    if (!bytes.empty())
        throw damaged();
}

} // namespace cpo::train
