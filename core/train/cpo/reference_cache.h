#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
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

    // The entries as bytes for a checkpoint, and back: a resumed run must read y1's π_ref
    // values from the cache exactly where the uninterrupted run did (values scored again in
    // another batch differ in the last bits). Little-endian: u64 count, then per entry in
    // hash order u64 hash | u64 length | length float32. restore() throws cpo::Error naming
    // `source` when the bytes do not parse.
    std::string serialize() const;
    void restore(std::string_view bytes, const std::string& source);

private:
    std::size_t m_maxEntries;
    std::unordered_map<std::uint64_t, std::vector<float>> m_entries;
};

} // namespace cpo::train
