#include "data/deb822.h"

#include <algorithm>

namespace cpo::data {
namespace {

bool equalsIgnoringCase(std::string_view a, std::string_view b)
{
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    return a.size() == b.size()
        && std::equal(a.begin(), a.end(), b.begin(),
                      [&](char x, char y) { return lower(x) == lower(y); });
}

bool isBlank(std::string_view line)
{
    return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

} // namespace

void forEachStanza(std::string_view text,
                   const std::function<void(const Deb822Stanza&)>& onStanza)
{
    Deb822Stanza stanza;
    // The field being read: its value grows over the continuation lines that follow it.
    const char* valueBegin = nullptr;
    const auto flush = [&] {
        if (!stanza.empty())
            onStanza(stanza);
        stanza.clear();
        valueBegin = nullptr;
    };
    for (std::size_t pos = 0; pos < text.size();) {
        const std::size_t newline = text.find('\n', pos);
        const std::size_t next = newline == std::string_view::npos ? text.size() : newline + 1;
        std::string_view line = text.substr(pos, next - pos);
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
            line.remove_suffix(1);
        pos = next;
        if (isBlank(line)) {
            flush();
        } else if (line.front() == '#') {
            continue;
        } else if (line.front() == ' ' || line.front() == '\t') {
            if (valueBegin) // extend the current value over this line
                stanza.back().value = {valueBegin,
                                       static_cast<std::size_t>(line.data() + line.size()
                                                                - valueBegin)};
        } else if (const std::size_t colon = line.find(':'); colon != std::string_view::npos) {
            std::string_view value = line.substr(colon + 1);
            const std::size_t start = value.find_first_not_of(" \t");
            value = start == std::string_view::npos ? value.substr(value.size())
                                                    : value.substr(start);
            while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
                value.remove_suffix(1);
            stanza.push_back({line.substr(0, colon), value});
            valueBegin = value.data();
        } else {
            valueBegin = nullptr;
        }
    }
    flush();
}

std::string_view fieldValue(const Deb822Stanza& stanza, std::string_view name)
{
    for (const Deb822Field& field : stanza) {
        if (equalsIgnoringCase(field.name, name))
            return field.value;
    }
    return {};
}

} // namespace cpo::data
