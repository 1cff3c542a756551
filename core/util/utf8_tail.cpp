#include "util/utf8_tail.h"

namespace cpo {
namespace {

// The length of the sequence a lead byte starts; 0 for a continuation or invalid byte.
std::size_t sequenceLength(unsigned char lead)
{
    if (lead < 0x80)
        return 1;
    if (lead >= 0xC2 && lead <= 0xDF)
        return 2;
    if (lead >= 0xE0 && lead <= 0xEF)
        return 3;
    if (lead >= 0xF0 && lead <= 0xF4)
        return 4;
    return 0;
}

bool isContinuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

} // namespace

std::size_t completeUtf8Length(std::string_view text)
{
    // A sequence is at most 4 bytes: only the last 3 can belong to an unfinished one.
    const std::size_t size = text.size();
    for (std::size_t back = 1; back <= 3 && back <= size; ++back) {
        const auto byte = static_cast<unsigned char>(text[size - back]);
        if (isContinuation(byte))
            continue;
        const std::size_t needed = sequenceLength(byte);
        return needed > back ? size - back : size;
    }
    return size;
}

} // namespace cpo
