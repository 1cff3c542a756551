#include "tokenize/byte_level_bpe.h"

#include "util/error.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>
#include <mutex>
#include <queue>

namespace cpo::tokenize {
namespace {

// The byte alphabet never goes past U+0100 + 67 (the 68 bytes that are not printable Latin-1).
constexpr char32_t kAlphabetEnd = 0x144;

constexpr bool isPrintableLatin1(int byte)
{
    return (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) || byte >= 0xAE;
}

// bytes_to_unicode() from OpenAI's encoder.py: printable bytes stand for themselves, the
// others take U+0100, U+0101, ... in byte order.
constexpr std::array<char32_t, 256> makeByteAlphabet()
{
    std::array<char32_t, 256> alphabet{};
    char32_t next = 0x100;
    for (int byte = 0; byte < 256; ++byte)
        alphabet[byte] = isPrintableLatin1(byte) ? char32_t(byte) : next++;
    return alphabet;
}

constexpr std::array<std::int16_t, kAlphabetEnd> makeInverseAlphabet()
{
    std::array<std::int16_t, kAlphabetEnd> inverse{};
    inverse.fill(-1);
    const auto alphabet = makeByteAlphabet();
    for (int byte = 0; byte < 256; ++byte)
        inverse[alphabet[byte]] = std::int16_t(byte);
    return inverse;
}

constexpr auto kByteAlphabet = makeByteAlphabet();
constexpr auto kInverseAlphabet = makeInverseAlphabet();

void appendUtf8(std::string& out, char32_t c)
{
    if (c < 0x80) {
        out += char(c);
    } else if (c < 0x800) {
        out += char(0xC0 | (c >> 6));
        out += char(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += char(0xE0 | (c >> 12));
        out += char(0x80 | ((c >> 6) & 0x3F));
        out += char(0x80 | (c & 0x3F));
    } else {
        out += char(0xF0 | (c >> 18));
        out += char(0x80 | ((c >> 12) & 0x3F));
        out += char(0x80 | ((c >> 6) & 0x3F));
        out += char(0x80 | (c & 0x3F));
    }
}

// Length of the UTF-8 sequence that starts with LEAD; 1 for a byte that cannot start one, so
// a malformed string is walked byte by byte instead of being rejected.
std::size_t utf8Length(unsigned char lead)
{
    if (lead >= 0xF0 && lead < 0xF8)
        return 4;
    if (lead >= 0xE0)
        return lead < 0xF0 ? 3 : 1;
    return lead >= 0xC0 ? 2 : 1;
}

char32_t decodeUtf8(std::string_view sequence)
{
    const auto lead = static_cast<unsigned char>(sequence[0]);
    if (sequence.size() == 1)
        return lead;
    char32_t c = lead & (0x7F >> sequence.size());
    for (std::size_t i = 1; i < sequence.size(); ++i)
        c = (c << 6) | (static_cast<unsigned char>(sequence[i]) & 0x3F);
    return c;
}

std::string hexByte(unsigned char byte)
{
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "0x%02X", byte);
    return buffer;
}

// Enough for every distinct word of a large corpus; beyond it the cache starts over rather
// than grow without bound in a long-running process.
constexpr std::size_t kMaxCachedPreTokens = std::size_t(1) << 18;

constexpr TokenId kMaxTokenId = TokenId(1) << 24;

} // namespace

std::string bytesToVocabSpelling(std::string_view bytes)
{
    std::string spelling;
    spelling.reserve(bytes.size() * 2);
    for (const char byte : bytes)
        appendUtf8(spelling, kByteAlphabet[static_cast<unsigned char>(byte)]);
    return spelling;
}

std::string vocabSpellingToBytes(std::string_view token)
{
    std::string bytes;
    bytes.reserve(token.size());
    for (std::size_t i = 0; i < token.size();) {
        const std::size_t length =
            std::min(utf8Length(static_cast<unsigned char>(token[i])), token.size() - i);
        const std::string_view sequence = token.substr(i, length);
        const char32_t c = decodeUtf8(sequence);
        if (c < kAlphabetEnd && kInverseAlphabet[c] >= 0)
            bytes += char(kInverseAlphabet[c]);
        else
            bytes += sequence;
        i += length;
    }
    return bytes;
}

ByteLevelBpe::ByteLevelBpe(BpeModelData data)
    : m_specials(data.specialTokens)
    , m_addPrefixSpace(data.addPrefixSpace)
    , m_source(data.source)
{
    buildVocabulary(data);
    buildMerges(data);
    if (const auto eos = m_specials.find("<|endoftext|>"))
        m_eosId = eos;
    else if (const auto it = data.vocab.find("<|endoftext|>"); it != data.vocab.end())
        m_eosId = it->second;
}

void ByteLevelBpe::buildVocabulary(const BpeModelData& data)
{
    TokenId maxId = -1;
    const auto checkId = [&](const std::string& token, TokenId id) {
        // Ids index a table, so they must be small; real vocabularies stay far below this.
        if (id < 0 || id >= kMaxTokenId)
            throw Error(m_source + ": token '" + token + "' has the id " + std::to_string(id)
                        + ", outside 0.." + std::to_string(kMaxTokenId - 1));
        maxId = std::max(maxId, id);
    };
    for (const auto& [token, id] : data.vocab)
        checkId(token, id);
    for (const SpecialToken& special : data.specialTokens)
        checkId(special.content, special.id);
    m_idToBytes.resize(std::size_t(maxId + 1));
    // Two tokens of one id would decode alike and the later would silently win.
    std::vector<const std::string*> holder(m_idToBytes.size(), nullptr);
    const auto claim = [&](const std::string& token, TokenId id) {
        if (const std::string* other = holder[std::size_t(id)]; other && *other != token)
            throw Error(m_source + ": the tokens '" + *other + "' and '" + token
                        + "' both have the id " + std::to_string(id)
                        + "; each token needs its own id (the file is damaged)");
        holder[std::size_t(id)] = &token;
    };
    for (const auto& [token, id] : data.vocab) {
        claim(token, id);
        m_idToBytes[id] = vocabSpellingToBytes(token);
    }
    // Special tokens decode to the text that spells them, never through the byte alphabet;
    // one may take a vocabulary entry's id (HF lists <|endoftext|> in both), not another's.
    std::fill(holder.begin(), holder.end(), nullptr);
    for (const SpecialToken& special : data.specialTokens) {
        claim(special.content, special.id);
        m_idToBytes[special.id] = special.content;
    }
    for (int byte = 0; byte < 256; ++byte) {
        const std::string spelling = bytesToVocabSpelling(std::string(1, char(byte)));
        const auto it = data.vocab.find(spelling);
        if (it == data.vocab.end())
            throw Error(m_source + ": the vocabulary has no token for byte "
                        + hexByte(static_cast<unsigned char>(byte)) + " (spelled '" + spelling
                        + "'); a byte-level BPE vocabulary must hold all 256 bytes");
        m_byteIds[byte] = it->second;
    }
}

void ByteLevelBpe::buildMerges(const BpeModelData& data)
{
    m_merges.reserve(data.merges.size());
    const auto idOf = [&](const std::string& token, std::size_t rank) {
        const auto it = data.vocab.find(token);
        if (it == data.vocab.end())
            throw Error(m_source + ": merge " + std::to_string(rank + 1) + " ('"
                        + data.merges[rank].first + " " + data.merges[rank].second
                        + "') needs the token '" + token + "', which the vocabulary lacks");
        return it->second;
    };
    for (std::size_t rank = 0; rank < data.merges.size(); ++rank) {
        const auto& [left, right] = data.merges[rank];
        const Merge merge{std::int32_t(rank), idOf(left + right, rank)};
        // A pair listed twice keeps its last rank, as encoder.py's dict(zip(merges, ranks)) does.
        m_merges.insert_or_assign(pairKey(idOf(left, rank), idOf(right, rank)), merge);
    }
}

std::vector<TokenId> ByteLevelBpe::encode(std::string_view text, bool parseSpecial) const
{
    std::vector<TokenId> ids;
    ids.reserve(text.size() / 3 + 1);
    if (!parseSpecial) {
        encodeOrdinary(text, ids);
        return ids;
    }
    m_specials.split(
        text, [&](std::string_view piece) { encodeOrdinary(piece, ids); },
        [&](TokenId id) { ids.push_back(id); });
    return ids;
}

void ByteLevelBpe::encodeOrdinary(std::string_view text, std::vector<TokenId>& out) const
{
    // HF's ByteLevel(add_prefix_space) makes " Hello" and "Hello" encode alike, per fragment.
    std::string prefixed;
    if (m_addPrefixSpace && !text.empty() && text.front() != ' ') {
        prefixed.assign(1, ' ').append(text);
        text = prefixed;
    }
    m_preTokenizer.split(text,
                         [&](std::string_view piece, bool) { encodePreToken(piece, out); });
}

void ByteLevelBpe::encodePreToken(std::string_view bytes, std::vector<TokenId>& out) const
{
    if (bytes.size() == 1) {
        out.push_back(m_byteIds[static_cast<unsigned char>(bytes[0])]);
        return;
    }
    {
        const std::shared_lock lock(m_cacheMutex);
        if (const auto it = m_cache.find(bytes); it != m_cache.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    std::vector<TokenId> ids = applyMerges(bytes);
    out.insert(out.end(), ids.begin(), ids.end());
    const std::unique_lock lock(m_cacheMutex);
    if (m_cache.size() >= kMaxCachedPreTokens)
        m_cache.clear();
    m_cache.emplace(std::string(bytes), std::move(ids));
}

// encoder.py's bpe(): merge the adjacent pair of lowest rank, every occurrence of it from left
// to right, until no adjacent pair has a rank. Done as HF does it, with a heap of candidate
// pairs (rank, position), so a long word costs n log n instead of encoder.py's n^2; pairs that
// a merge creates wait until the current rank is done, which keeps encoder.py's order even
// for a merges file that ranks a pair above the merge that creates its parts.
std::vector<TokenId> ByteLevelBpe::applyMerges(std::string_view bytes) const
{
    struct Symbol {
        TokenId id; // -1 once merged into its left neighbour
        int prev;
        int next; // -1 at either end
    };
    struct Candidate {
        std::int32_t rank;
        int left;
        TokenId leftId;
        TokenId rightId;
        TokenId result;
        bool operator>(const Candidate& other) const
        {
            return rank != other.rank ? rank > other.rank : left > other.left;
        }
    };
    const int size = int(bytes.size());
    std::vector<Symbol> symbols(bytes.size());
    for (int i = 0; i < size; ++i)
        symbols[i] = {m_byteIds[static_cast<unsigned char>(bytes[i])], i - 1,
                      i + 1 < size ? i + 1 : -1};

    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
    std::vector<Candidate> pending;
    const auto propose = [&](int left, std::vector<Candidate>& into) {
        const int right = left < 0 ? -1 : symbols[left].next;
        if (right < 0)
            return;
        const auto it = m_merges.find(pairKey(symbols[left].id, symbols[right].id));
        if (it != m_merges.end())
            into.push_back({it->second.rank, left, symbols[left].id, symbols[right].id,
                            it->second.result});
    };
    for (int i = 0; i + 1 < size; ++i)
        propose(i, pending);
    queue = decltype(queue)(std::greater<>(), std::move(pending));
    pending.clear();

    while (!queue.empty()) {
        const Candidate candidate = queue.top();
        queue.pop();
        Symbol& left = symbols[candidate.left];
        // A candidate is stale once either symbol has been merged into something else.
        if (left.id == candidate.leftId && left.next >= 0
            && symbols[left.next].id == candidate.rightId) {
            Symbol& right = symbols[left.next];
            left.id = candidate.result;
            left.next = right.next;
            if (right.next >= 0)
                symbols[right.next].prev = candidate.left;
            right.id = -1;
            propose(left.prev, pending);
            propose(candidate.left, pending);
        }
        if (queue.empty() || queue.top().rank != candidate.rank) {
            for (const Candidate& next : pending)
                queue.push(next);
            pending.clear();
        }
    }
    std::vector<TokenId> word;
    for (int i = 0; i >= 0 && i < size; i = symbols[i].next)
        word.push_back(symbols[i].id);
    return word;
}

std::string ByteLevelBpe::decode(std::span<const TokenId> ids) const
{
    std::string text;
    for (const TokenId id : ids) {
        if (id < 0 || std::size_t(id) >= m_idToBytes.size() || !m_idToBytes[std::size_t(id)])
            throw Error("token id " + std::to_string(id) + " is not in the vocabulary of "
                        + m_source + " (" + std::to_string(m_idToBytes.size()) + " ids)");
        text += *m_idToBytes[std::size_t(id)];
    }
    return text;
}

std::string ByteLevelBpe::describe() const
{
    return "byte-level BPE (" + std::to_string(vocabSize()) + " tokens, "
           + std::to_string(m_merges.size()) + " merges) from " + m_source;
}

} // namespace cpo::tokenize
