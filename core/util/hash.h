#pragma once

#include <cstdint>
#include <string_view>

namespace cpo {

// Hashes that decide which split an example lands in and which packages a sample keeps, so
// they must give the same value on every platform, compiler and run: FNV-1a over bytes,
// never std::hash (whose values are unspecified and may change between library versions).
inline constexpr std::uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ULL;
inline constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;

// FNV-1a 64. Pass a previous result as `state` to hash several pieces as one stream.
constexpr std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t state = kFnvOffsetBasis)
{
    for (const char c : bytes) {
        state ^= static_cast<unsigned char>(c);
        state *= kFnvPrime;
    }
    return state;
}

// Hashes `value` as its 8 little-endian bytes, whatever the host's byte order.
constexpr std::uint64_t fnv1a64(std::uint64_t value, std::uint64_t state)
{
    for (int i = 0; i < 8; ++i) {
        state ^= (value >> (8 * i)) & 0xffU;
        state *= kFnvPrime;
    }
    return state;
}

// FNV-1a's low and high bits react weakly to small input changes; the SplitMix64 finaliser
// spreads every input bit over the whole word before a hash is read as a fraction in [0, 1).
constexpr std::uint64_t mix64(std::uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

// A hash as a uniform fraction in [0, 1), from its top 53 bits (a double's mantissa).
constexpr double unitInterval(std::uint64_t hash)
{
    return static_cast<double>(mix64(hash) >> 11) * 0x1.0p-53;
}

} // namespace cpo
