#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace cpo::train {

// y1's per-token log π_ref, by example hash: π_ref is frozen, so they never change and are
// computed once per example. Bounded: past maxEntries, new entries are not kept.
class ReferenceCache {
public:
    explicit ReferenceCache(std::size_t maxEntries = 1u << 20) : m_maxEntries(maxEntries) {}

    // The entry, if there is one of that length (a guard against hash collisions).
    const std::vector<float>* find(std::uint64_t hash, std::size_t length) const;
    void insert(std::uint64_t hash, std::vector<float> logProbs);
    std::size_t size() const { return m_entries.size(); }

private:
    std::size_t m_maxEntries;
    std::unordered_map<std::uint64_t, std::vector<float>> m_entries;
};

} // namespace cpo::train
