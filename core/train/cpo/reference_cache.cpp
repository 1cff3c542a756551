#include "train/cpo/reference_cache.h"

namespace cpo::train {

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

} // namespace cpo::train
