#include "data/utf8.h"

namespace cpo::data {

std::optional<std::size_t> firstInvalidUtf8(std::string_view text)
{
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    std::size_t i = 0;
    while (i < text.size()) {
        const unsigned char lead = byte(i);
        std::size_t length = 0;
        // The allowed range of the second byte narrows for the leads that could otherwise
        // spell an overlong form (E0, F0), a surrogate (ED) or a code point past U+10FFFF (F4).
        unsigned char low = 0x80;
        unsigned char high = 0xbf;
        if (lead < 0x80) {
            length = 1;
        } else if (lead >= 0xc2 && lead <= 0xdf) {
            length = 2;
        } else if (lead >= 0xe0 && lead <= 0xef) {
            length = 3;
            if (lead == 0xe0)
                low = 0xa0;
            else if (lead == 0xed)
                high = 0x9f;
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            length = 4;
            if (lead == 0xf0)
                low = 0x90;
            else if (lead == 0xf4)
                high = 0x8f;
        } else {
            return i;
        }
        if (i + length > text.size())
            return i;
        for (std::size_t k = 1; k < length; ++k) {
            const unsigned char next = byte(i + k);
            const bool inRange =
                k == 1 ? next >= low && next <= high : next >= 0x80 && next <= 0xbf;
            if (!inRange)
                return i;
        }
        i += length;
    }
    return std::nullopt;
}

} // namespace cpo::data
