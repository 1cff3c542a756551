#!/usr/bin/env python3
"""Independent reference for the GPT-2 byte-level BPE golden ids in tests/tokenize.

It follows OpenAI's gpt-2 src/encoder.py (bytes_to_unicode, get_pairs, Encoder.bpe,
Encoder.encode) with the same pattern run by the `regex` module, and shares no code with the C++
tokenizer. Where `regex` is missing (Debian's /usr/bin/python3 without python3-regex) a
stdlib-only matcher of the same pattern over unicodedata categories stands in; both give the
same ids for every text in TEXTS and for all of WikiText-2. It prints the golden rows of
tst_tokenize.cpp as C++ source:

    python3 tests/golden/gpt2_bpe_reference.py ../shared/data/gpt2-bpe

Paste the output into goldenIds_data() when the texts below change. With the path of
WikiText-2's valid.txt as a second argument it prints the token count and checksum of the
whole file instead (for encodesWikitextLikeReference()).
"""

import json
import os
import sys
import unicodedata

try:
    import regex  # what encoder.py uses; \p{L} and \p{N} need it (Debian: python3-regex)
except ImportError:
    regex = None

PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""

# (row name, text). Each exercises one thing the pre-tokenizer or the merges can get wrong.
TEXTS = [
    ("hello", "Hello world"),
    ("accents", "Café naïve façade, crème brûlée à Zürich; résumé"),
    ("combining mark", "e\u0301te\u0301 cafe\u0301"),
    ("cjk", "日本語のテキスト、中文字符。한국어 텍스트"),
    ("emoji", "I ❤️ 🦀 and 👨‍👩‍👧 family 🎉🎉"),
    ("control characters", "tab\there\r\nnul\x00bell\x07esc\x1b[0m\x7f"),
    ("runs of spaces", "a  b   c    d     e"),
    ("leading and trailing spaces", "   leading and trailing   "),
    ("newlines", "\n\n\nfirst\n\nsecond\n \n  third\n"),
    ("indented code", "def f(x):\n    return x  # comment\n\tpass\n"),
    ("unicode spaces", "a\u00a0b\u3000c\u2028d\u2009e\u0085f"),
    ("space before unicode spaces",
     "a \u0085b \u00a0c \u3000d \u2028e\u0085\u0085f \u180eg"),
    ("contractions", "it's we'll they're I've I'm you'd don't"),
    ("uppercase contractions", "IT'S WE'LL THEY'RE I'VE I'M YOU'D DON'T"),
    ("contraction edges", "'s 's'll ''s rock'n'roll O'Neil's '"),
    ("numbers", "3.14159 12345678 1,000,000 2024-01-01 0x1F 1e-9"),
    ("unicode numbers", "٣٤٥ ½ ² Ⅻ ①②"),
    ("punctuation runs", "!!!??? ... --- === <<>> @#$%^&*()"),
    ("repeated letters", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    ("endoftext as text", "<|endoftext|>"),
    ("wikitext heading", " = Robert Boulter = \n"),
    ("long word", "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlE"
                  "QVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="),
]


def is_space(c):
    """regex's \\s: Unicode White_Space, i.e. \\t-\\r, U+0085 and the Z categories."""
    return c in "\t\n\x0b\x0c\r\x85" or unicodedata.category(c) in ("Zs", "Zl", "Zp")


def is_letter(c):
    return unicodedata.category(c).startswith("L")


def is_number(c):
    return unicodedata.category(c).startswith("N")


def is_other(c):
    return not (is_space(c) or is_letter(c) or is_number(c))


def pretokenize(text):
    """PATTERN without `regex`: at each position the first alternative that matches wins."""
    pieces = []
    i, n = 0, len(text)

    def run(j, accept):
        while j < n and accept(text[j]):
            j += 1
        return j

    while i < n:
        end = None
        for suffix in ("s", "t", "re", "ve", "m", "ll", "d"):  # 's|'t|'re|'ve|'m|'ll|'d
            if text.startswith("'" + suffix, i):
                end = i + 1 + len(suffix)
                break
        if end is None:  # ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`
            start = i + 1 if text[i] == " " and i + 1 < n else i
            for accept in (is_letter, is_number, is_other):
                if accept(text[start]):
                    end = run(start, accept)
                    break
        if end is None:  # `\s+(?!\S)`, else `\s+`: a run before a non-space gives back one
            end = run(i, is_space)
            if end < n and end - i > 1:
                end -= 1
        pieces.append(text[i:end])
        i = end
    return pieces


def bytes_to_unicode():
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
          + list(range(ord("®"), ord("ÿ") + 1)))
    cs = bs[:]
    n = 0
    for b in range(2**8):
        if b not in bs:
            bs.append(b)
            cs.append(2**8 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def get_pairs(word):
    return {(word[i], word[i + 1]) for i in range(len(word) - 1)}


class Encoder:
    def __init__(self, encoder, bpe_merges):
        self.encoder = encoder
        self.byte_encoder = bytes_to_unicode()
        self.bpe_ranks = dict(zip(bpe_merges, range(len(bpe_merges))))
        self.pat = regex.compile(PATTERN) if regex else None
        self.cache = {}

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token)
        pairs = get_pairs(word)
        if not pairs:
            return [token]
        while True:
            bigram = min(pairs, key=lambda pair: self.bpe_ranks.get(pair, float("inf")))
            if bigram not in self.bpe_ranks:
                break
            first, second = bigram
            new_word = []
            i = 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                except ValueError:
                    new_word.extend(word[i:])
                    break
                new_word.extend(word[i:j])
                i = j
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new_word.append(first + second)
                    i += 2
                else:
                    new_word.append(word[i])
                    i += 1
            word = tuple(new_word)
            if len(word) == 1:
                break
            pairs = get_pairs(word)
        self.cache[token] = list(word)
        return list(word)

    def encode(self, text):
        ids = []
        pieces = regex.findall(self.pat, text) if self.pat else pretokenize(text)
        for token in pieces:
            token = "".join(self.byte_encoder[b] for b in token.encode("utf-8"))
            ids.extend(self.encoder[t] for t in self.bpe(token))
        return ids


def load(folder):
    with open(os.path.join(folder, "encoder.json"), encoding="utf-8") as f:
        encoder = json.load(f)
    with open(os.path.join(folder, "vocab.bpe"), encoding="utf-8") as f:
        bpe_data = f.read()
    merges = [tuple(line.split()) for line in bpe_data.split("\n")[1:-1]]
    return Encoder(encoder, merges)


def cpp_literal(data, indent):
    """DATA (bytes) as C++ string literals, one per line, each under 100 columns. Octal escapes
    stop after 3 digits, unlike \\x, so a literal never swallows the digit that follows."""
    pieces = []
    for b in data:
        if b in (0x22, 0x5C):
            pieces.append("\\" + chr(b))
        elif 0x20 <= b < 0x7F:
            pieces.append(chr(b))
        else:
            pieces.append("\\%03o" % b)
    lines, line = [], ""
    for piece in pieces:
        if len(line) + len(piece) > 94 - indent:  # room for quotes, "sv," and the margin
            lines.append(line)
            line = ""
        line += piece
    lines.append(line)
    return ("\n" + " " * indent).join('"%s"' % line for line in lines)


def cpp_ids(ids, indent):
    lines, line = [], ""
    for text in ("%d, " % i for i in ids):
        if len(line) + len(text) > 98 - indent:
            lines.append(line.rstrip())
            line = ""
        line += text
    lines.append(line.rstrip(", "))
    return ("\n" + " " * indent).join(lines)


def checksum(ids):
    """FNV-1a-style 64-bit hash of the id sequence, computed the same way in tst_tokenize.cpp."""
    h = 14695981039346656037
    for i in ids:
        h = ((h ^ i) * 1099511628211) % 2**64
    return h


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: gpt2_bpe_reference.py GPT2_BPE_FOLDER [WIKITEXT_VALID_TXT]")
    encoder = load(sys.argv[1])
    if len(sys.argv) == 3:
        with open(sys.argv[2], encoding="utf-8", newline="") as f:
            ids = encoder.encode(f.read())
        print("    constexpr std::size_t kWikitextTokens = %d;" % len(ids))
        print("    constexpr std::uint64_t kWikitextChecksum = %du;" % checksum(ids))
        return
    for name, text in TEXTS:
        ids = encoder.encode(text)
        print('    addGolden("%s",\n              %ssv,\n              {%s});'
              % (name, cpp_literal(text.encode("utf-8"), 14), cpp_ids(ids, 15)))


if __name__ == "__main__":
    main()
