#pragma once

#include <functional>
#include <string_view>
#include <vector>

namespace cpo::data {

// One field of a Debian control-file stanza (RFC 822 style, Debian Policy 5.1). The value
// runs from after "Name:" and its spaces to the end of the field's last continuation line;
// continuation lines keep their leading space, joined by "\n". Views into the parsed text.
struct Deb822Field {
    std::string_view name;
    std::string_view value;
};

using Deb822Stanza = std::vector<Deb822Field>;

// Calls onStanza for each stanza of `text` (stanzas are separated by blank lines; lines
// starting with '#' are comments). A line that is neither "Name: value" nor a continuation
// is ignored: apt's lists are machine-written, and one odd line must not lose the rest.
void forEachStanza(std::string_view text,
                   const std::function<void(const Deb822Stanza&)>& onStanza);

// The value of the field NAME (matched case-insensitively, as field names are), or an empty
// view when the stanza has no such field.
std::string_view fieldValue(const Deb822Stanza& stanza, std::string_view name);

} // namespace cpo::data
