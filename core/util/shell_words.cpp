#include "util/shell_words.h"

#include <algorithm>
#include <cctype>

namespace cpo {

bool isPlainShellWord(std::string_view word)
{
    return !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) ||
               std::string_view("@%+=:,./_~-").find(c) != std::string_view::npos;
    });
}

std::string shellQuoted(std::string_view word)
{
    if (isPlainShellWord(word))
        return std::string(word);
    std::string quoted = "'";
    for (const char c : word)
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + '\'';
}

} // namespace cpo
