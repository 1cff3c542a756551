#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace cpo::tokenize {

// A compiled PCRE2 pattern in UTF mode with Unicode properties (UCP), so \s, \p{L} and \p{N}
// mean what they mean in Python's `regex` module, JIT-compiled where PCRE2 supports it.
// Invalid UTF-8 in a subject never matches and never throws (PCRE2_MATCH_INVALID_UTF).
// Immutable after construction: one instance may be used from several threads at once.
class Pcre2Regex {
public:
    // Throws cpo::Error when PATTERN does not compile (a programming error or a bad file).
    explicit Pcre2Regex(std::string_view pattern);
    ~Pcre2Regex();
    Pcre2Regex(Pcre2Regex&&) noexcept;
    Pcre2Regex& operator=(Pcre2Regex&&) noexcept;

    // Cuts TEXT into consecutive pieces that cover it exactly, left to right: each match, and
    // each stretch between matches (matched == false), which is never empty.
    using PieceVisitor = std::function<void(std::string_view piece, bool matched)>;
    void split(std::string_view text, const PieceVisitor& visit) const;

private:
    struct Compiled;
    std::unique_ptr<Compiled> m_compiled;
};

// PCRE2 pattern that matches TEXT literally (every ASCII punctuation character escaped).
std::string quotePcre2(std::string_view text);

} // namespace cpo::tokenize
