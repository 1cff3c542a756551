#pragma once

#include <cstddef>
#include <string_view>

namespace cpo {

// How many leading bytes of `text` to show while it still grows: all of it except an
// incomplete UTF-8 sequence at its very end. A streamed decode can end inside a character that
// the next token completes (byte-level BPE splits characters across tokens); showing those
// bytes would draw U+FFFD until it does. Malformed bytes elsewhere are left to the caller.
std::size_t completeUtf8Length(std::string_view text);

} // namespace cpo
