#pragma once

#include "tokenize/pcre2_regex.h"
#include "tokenize/tokenizer.h"

#include <optional>
#include <string>
#include <vector>

namespace cpo::tokenize {

// A token spelled in text as CONTENT (e.g. "<|endoftext|>") that parseSpecial turns into ID.
struct SpecialToken {
    std::string content;
    TokenId id = 0;
};

// Finds special tokens in text: the leftmost occurrence wins, and of several starting there the
// longest (so "<|endoftext|>" beats a hypothetical "<|end"). Immutable, shareable across threads.
class SpecialTokenSplitter {
public:
    SpecialTokenSplitter() = default;
    explicit SpecialTokenSplitter(std::vector<SpecialToken> tokens);

    const std::vector<SpecialToken>& tokens() const { return m_tokens; }
    std::optional<TokenId> find(std::string_view content) const;

    // Calls onText for each stretch of ordinary text and onSpecial for each special token, in
    // order. Without special tokens the whole text is one stretch.
    template <typename OnText, typename OnSpecial>
    void split(std::string_view text, OnText&& onText, OnSpecial&& onSpecial) const
    {
        if (!m_pattern) {
            onText(text);
            return;
        }
        m_pattern->split(text, [&](std::string_view piece, bool matched) {
            if (matched)
                onSpecial(*find(piece));
            else
                onText(piece);
        });
    }

private:
    std::vector<SpecialToken> m_tokens;
    std::optional<Pcre2Regex> m_pattern;
};

} // namespace cpo::tokenize
