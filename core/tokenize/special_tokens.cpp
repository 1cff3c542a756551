#include "tokenize/special_tokens.h"

#include <algorithm>

namespace cpo::tokenize {

SpecialTokenSplitter::SpecialTokenSplitter(std::vector<SpecialToken> tokens)
    : m_tokens(std::move(tokens))
{
    std::erase_if(m_tokens, [](const SpecialToken& token) { return token.content.empty(); });
    if (m_tokens.empty())
        return;
    // PCRE2 takes the first alternative that matches at a position: longest first.
    std::vector<std::string_view> contents;
    for (const SpecialToken& token : m_tokens)
        contents.push_back(token.content);
    std::ranges::sort(contents, [](std::string_view a, std::string_view b) {
        return a.size() > b.size();
    });
    std::string pattern;
    for (const std::string_view content : contents) {
        if (!pattern.empty())
            pattern += '|';
        pattern += quotePcre2(content);
    }
    m_pattern.emplace(pattern);
}

std::optional<TokenId> SpecialTokenSplitter::find(std::string_view content) const
{
    const auto it = std::ranges::find(m_tokens, content, &SpecialToken::content);
    return it == m_tokens.end() ? std::nullopt : std::optional<TokenId>(it->id);
}

} // namespace cpo::tokenize
