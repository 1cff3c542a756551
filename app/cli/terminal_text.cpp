#include "terminal_text.h"

#include <fmt/format.h>

namespace cpo::cli {

std::string escapedForTerminal(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
        if (byte == '\n')
            out += "\\n";
        else if (byte == '\t')
            out += "\\t";
        else if (byte == '\r')
            out += "\\r";
        else if (byte < 0x20 || byte == 0x7f)
            out += fmt::format("\\x{:02x}", byte);
        else if (byte == 0xc2 && next >= 0x80 && next <= 0x9f) { // U+0080..U+009F in UTF-8
            out += fmt::format("\\u{:04x}", next);
            ++i;
        } else
            out += static_cast<char>(byte);
    }
    return out;
}

} // namespace cpo::cli
