#pragma once

#include <string>
#include <string_view>

namespace cpo::cli {

// Text from a store or a file made safe to print on a terminal: control characters (C0, DEL
// and C1, which start escape sequences and fake new rows) become visible escapes such as
// `\n`, `\x1b` or `\u009b`; everything else, UTF-8 included, is kept as it is.
std::string escapedForTerminal(std::string_view text);

} // namespace cpo::cli
