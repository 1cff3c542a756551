#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace cpo::data {

// The byte offset of the first byte that is not part of well-formed UTF-8 (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), or nullopt when all of `text` is.
std::optional<std::size_t> firstInvalidUtf8(std::string_view text);

} // namespace cpo::data
