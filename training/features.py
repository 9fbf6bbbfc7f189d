"""The learned router's features, exactly as the gateway computes them (src/routing/features.cpp).

Both sides must agree bit for bit: the weights trained here are looked up by the buckets the C++ code
computes. tests/cases/router/features_golden.json (written by `train_router.py`) pins a few strings'
buckets and values, and the C++ unit test checks them.

What is read: the text of the request's last user message (at most its last MAX_BYTES bytes), plus
counts about the whole request (user turns, tools, system text).

- Words: maximal runs of bytes that are ASCII letters or digits or any byte >= 0x80 (so UTF-8 words stay
  whole); ASCII upper case is folded to lower case.
- Word unigrams and bigrams: 32-bit FNV-1a over the word's bytes (a bigram continues the first word's
  state over b" " and the second word), finished with murmur3's fmix32, masked to WORD_BUCKETS.
- Character 4-grams over b" " + b" ".join(words) + b" ": the four bytes as a little-endian uint32,
  XOR CHAR_SALT, fmix32, masked to CHAR_BUCKETS.
- Each occurrence of a gram adds 1/sqrt(n) to its bucket, n being the number of grams of its family in
  the text (a length normalisation that needs no per-bucket map, so the scorer streams).
- Dense features (DENSE_NAMES), standardised with the training set's mean and scale.
"""

import math

FNV_OFFSET = 0x811C9DC5
FNV_PRIME = 0x01000193
MASK32 = 0xFFFFFFFF
CHAR_SALT = 0x5BD1E995

WORD_BUCKETS = 1 << 14
CHAR_BUCKETS = 1 << 14
MAX_BYTES = 16384

DENSE_NAMES = [
    "length_bytes",  # log1p(bytes of the last user message, all of it)
    "words",  # log1p(words read)
    "digit_share",  # digits / bytes read
    "lines",  # log1p(line breaks)
    "code_symbols",  # log1p(count of {}[]();`#|&\)
    "math_symbols",  # log1p(count of +-*/^%=<>)
    "questions",  # log1p(count of ?)
    "reasoning_cues",  # log1p(words in REASONING_CUES)
    "code_cues",  # log1p(words in CODE_CUES)
    "math_cues",  # log1p(words in MATH_CUES)
    "turns",  # log1p(user messages)
    "tools",  # log1p(tools offered)
    "system_bytes",  # log1p(bytes of system and developer messages)
]

REASONING_CUES = """why explain prove proof reason reasoning step steps analyze analyse compare derive justify
evaluate infer deduce because therefore implies tradeoff tradeoffs design optimize optimise strategy plan
""".split()
CODE_CUES = """def function class return import python java javascript code program implement compile sql regex
array list string loop algorithm api bug debug recursion struct int""".split()
MATH_CUES = """calculate compute solve equation sum product integral derivative probability percent number
numbers total average ratio fraction prime square root digits math formula""".split()

CODE_SYMBOLS = set(b"{}[]();`#|&\\")
MATH_SYMBOLS = set(b"+-*/^%=<>")


def fnv1a(data, h=FNV_OFFSET):
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & MASK32
    return h


def fmix32(h):
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & MASK32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & MASK32
    h ^= h >> 16
    return h


CUE_KIND = {}
for kind, words in ((1, REASONING_CUES), (2, CODE_CUES), (3, MATH_CUES)):
    for w in words:
        CUE_KIND[fnv1a(w.encode())] = kind


def is_word_byte(b):
    return b >= 0x80 or 48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122


def words_of(data):
    out, cur = [], bytearray()
    for b in data:
        if is_word_byte(b):
            cur.append(b + 32 if 65 <= b <= 90 else b)
        elif cur:
            out.append(bytes(cur))
            cur = bytearray()
    if cur:
        out.append(bytes(cur))
    return out


def extract(text, turns=1, tools=0, system_bytes=0):
    """The features of one request whose last user message is `text`.

    Returns (word, char, dense): word and char are {bucket: value} (values summed over occurrences),
    dense the raw (unstandardised) DENSE_NAMES values.
    """
    full = text.encode("utf-8")
    data = full[-MAX_BYTES:]
    words = words_of(data)
    word, char = {}, {}
    hashes = [fnv1a(w) for w in words]
    n_word = len(words) + max(0, len(words) - 1)
    if n_word:
        v = 1.0 / math.sqrt(n_word)
        for i, h in enumerate(hashes):
            b = fmix32(h) & (WORD_BUCKETS - 1)
            word[b] = word.get(b, 0.0) + v
            if i > 0:
                b = fmix32(fnv1a(words[i], fnv1a(b" ", hashes[i - 1]))) & (WORD_BUCKETS - 1)
                word[b] = word.get(b, 0.0) + v
    stream = b" " + b" ".join(words) + b" " if words else b""
    n_char = max(0, len(stream) - 3)
    if n_char:
        v = 1.0 / math.sqrt(n_char)
        for i in range(n_char):
            key = stream[i] | stream[i + 1] << 8 | stream[i + 2] << 16 | stream[i + 3] << 24
            b = fmix32(key ^ CHAR_SALT) & (CHAR_BUCKETS - 1)
            char[b] = char.get(b, 0.0) + v
    cues = [0, 0, 0, 0]
    for h in hashes:
        cues[CUE_KIND.get(h, 0)] += 1
    digits = sum(48 <= b <= 57 for b in data)
    dense = [
        math.log1p(len(full)),
        math.log1p(len(words)),
        digits / len(data) if data else 0.0,
        math.log1p(data.count(b"\n")),
        math.log1p(sum(b in CODE_SYMBOLS for b in data)),
        math.log1p(sum(b in MATH_SYMBOLS for b in data)),
        math.log1p(data.count(b"?")),
        math.log1p(cues[1]),
        math.log1p(cues[2]),
        math.log1p(cues[3]),
        math.log1p(turns),
        math.log1p(tools),
        math.log1p(system_bytes),
    ]
    return word, char, dense
