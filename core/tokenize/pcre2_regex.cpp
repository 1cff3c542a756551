#include "tokenize/pcre2_regex.h"

#include "util/error.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cctype>
#include <new>
#include <string>

namespace cpo::tokenize {
namespace {

std::string pcre2Message(int code)
{
    PCRE2_UCHAR buffer[256];
    const int length = pcre2_get_error_message(code, buffer, sizeof buffer);
    return length < 0 ? "error " + std::to_string(code)
                      : std::string(reinterpret_cast<const char*>(buffer), length);
}

struct MatchDataDeleter {
    void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};
using MatchData = std::unique_ptr<pcre2_match_data, MatchDataDeleter>;

} // namespace

struct Pcre2Regex::Compiled {
    pcre2_code* code = nullptr;
    ~Compiled() { pcre2_code_free(code); }
};

Pcre2Regex::Pcre2Regex(std::string_view pattern) : m_compiled(std::make_unique<Compiled>())
{
    int errorCode = 0;
    PCRE2_SIZE errorOffset = 0;
    m_compiled->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                     PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &errorCode,
                                     &errorOffset, nullptr);
    if (!m_compiled->code)
        throw Error("regular expression '" + std::string(pattern) + "' does not compile at offset "
                    + std::to_string(errorOffset) + ": " + pcre2Message(errorCode));
    // JIT is an optimisation only: PCRE2 built without it still matches, just slower.
    pcre2_jit_compile(m_compiled->code, PCRE2_JIT_COMPLETE);
}

Pcre2Regex::~Pcre2Regex() = default;
Pcre2Regex::Pcre2Regex(Pcre2Regex&&) noexcept = default;
Pcre2Regex& Pcre2Regex::operator=(Pcre2Regex&&) noexcept = default;

void Pcre2Regex::split(std::string_view text, const PieceVisitor& visit) const
{
    // Match data is per call: the compiled code is shared, this is what makes split() reentrant.
    const MatchData match(pcre2_match_data_create_from_pattern(m_compiled->code, nullptr));
    if (!match)
        throw std::bad_alloc();
    const auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    std::size_t offset = 0;
    while (offset < text.size()) {
        const int rc = pcre2_match(m_compiled->code, subject, text.size(), offset, 0,
                                   match.get(), nullptr);
        if (rc == PCRE2_ERROR_NOMATCH)
            break;
        if (rc < 0)
            throw Error("regular expression match failed: " + pcre2Message(rc));
        const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.get());
        if (ovector[0] > offset)
            visit(text.substr(offset, ovector[0] - offset), false);
        // Our patterns never match the empty string; guard anyway so a bad pattern cannot loop.
        const std::size_t end = ovector[1] > ovector[0] ? ovector[1] : ovector[0] + 1;
        visit(text.substr(ovector[0], end - ovector[0]), ovector[1] > ovector[0]);
        offset = end;
    }
    if (offset < text.size())
        visit(text.substr(offset), false);
}

std::string quotePcre2(std::string_view text)
{
    std::string quoted;
    quoted.reserve(text.size() * 2);
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x80 && !std::isalnum(byte))
            quoted += '\\';
        quoted += c;
    }
    return quoted;
}

} // namespace cpo::tokenize
