#include "routing/features.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace modelmux::routing {

const std::array<std::string_view, kDenseFeatures> kDenseNames = {
    "length_bytes",   "words",     "digit_share", "lines", "code_symbols", "math_symbols", "questions",
    "reasoning_cues", "code_cues", "math_cues",   "turns", "tools",        "system_bytes"};

namespace {

// 32-bit FNV-1a, finished with murmur3's fmix32: simple enough to write the same in Python, and fmix32
// spreads FNV's weak low bits over the bucket mask.
constexpr std::uint32_t kFnvOffset = 0x811C9DC5u;
constexpr std::uint32_t kFnvPrime = 0x01000193u;
constexpr std::uint32_t kCharSalt = 0x5BD1E995u;

constexpr std::uint32_t fnv(std::uint32_t h, unsigned char b) {
  return (h ^ b) * kFnvPrime;
}
constexpr std::uint32_t fnv(std::string_view s) {
  std::uint32_t h = kFnvOffset;
  for (char c : s) h = fnv(h, static_cast<unsigned char>(c));
  return h;
}
constexpr std::uint32_t fmix32(std::uint32_t h) {
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  h *= 0xC2B2AE35u;
  h ^= h >> 16;
  return h;
}
constexpr std::uint16_t word_bucket(std::uint32_t h) {
  return static_cast<std::uint16_t>(fmix32(h) & (kWordBuckets - 1));
}
constexpr std::uint16_t char_bucket(std::uint32_t window) {
  return static_cast<std::uint16_t>(fmix32(window ^ kCharSalt) & (kCharBuckets - 1));
}

enum : std::uint8_t { kWord = 1, kDigit = 2, kCode = 4, kMath = 8 };
constexpr std::array<std::uint8_t, 256> kClass = [] {
  std::array<std::uint8_t, 256> c{};
  for (int b = 0; b < 256; ++b) {
    bool alpha = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
    bool digit = b >= '0' && b <= '9';
    if (alpha || digit || b >= 0x80) c[static_cast<std::size_t>(b)] = kWord;
    if (digit) c[static_cast<std::size_t>(b)] |= kDigit;
  }
  for (char b : std::string_view("{}[]();`#|&\\")) c[static_cast<unsigned char>(b)] = kCode;
  for (char b : std::string_view("+-*/^%=<>")) c[static_cast<unsigned char>(b)] = kMath;
  return c;
}();

// Whole words (after case folding) that count as reasoning (1), code (2) or maths (3) cues; found by the
// word's hash, which the featurizer computes anyway. The lists are training/features.py's.
constexpr std::string_view kReasoningCues[] = {
    "why",    "explain",  "prove",    "proof",     "reason",  "reasoning", "step",
    "steps",  "analyze",  "analyse",  "compare",   "derive",  "justify",   "evaluate",
    "infer",  "deduce",   "because",  "therefore", "implies", "tradeoff",  "tradeoffs",
    "design", "optimize", "optimise", "strategy",  "plan"};
constexpr std::string_view kCodeCues[] = {
    "def",       "function",  "class",   "return", "import",    "python", "java", "javascript", "code",
    "program",   "implement", "compile", "sql",    "regex",     "array",  "list", "string",     "loop",
    "algorithm", "api",       "bug",     "debug",  "recursion", "struct", "int"};
constexpr std::string_view kMathCues[] = {
    "calculate",   "compute", "solve",  "equation", "sum",   "product", "integral", "derivative",
    "probability", "percent", "number", "numbers",  "total", "average", "ratio",    "fraction",
    "prime",       "square",  "root",   "digits",   "math",  "formula"};

struct Cue {
  std::uint32_t hash = 0;
  std::uint8_t kind = 0;  // 0: an empty slot
};
// An open-addressing table (256 slots for 73 cues, linear probing): a word's lookup is one or two
// predictable compares, where a binary search cost several mispredicted branches per word.
constexpr std::size_t kCueSlots = 256;
constexpr std::size_t cue_slot(std::uint32_t h) {
  return (h * 0x9E3779B1u) >> 24;
}
constexpr std::array<Cue, kCueSlots> kCues = [] {
  std::array<Cue, kCueSlots> a{};
  auto put = [&](std::string_view w, std::uint8_t kind) {
    auto h = fnv(w);
    auto i = cue_slot(h);
    while (a[i].kind) i = (i + 1) % kCueSlots;
    a[i] = {h, kind};
  };
  for (auto w : kReasoningCues) put(w, 1);
  for (auto w : kCodeCues) put(w, 2);
  for (auto w : kMathCues) put(w, 3);
  return a;
}();

std::uint8_t cue_kind(std::uint32_t h) {
  for (auto i = cue_slot(h);; i = (i + 1) % kCueSlots) {
    const auto& c = kCues[i];
    if (!c.kind || c.hash == h) return c.kind;
  }
}

std::string_view tail(std::string_view text) {
  return text.size() > kMaxFeaturizedBytes ? text.substr(text.size() - kMaxFeaturizedBytes) : text;
}

// One pass over `data`: words (case-folded) with their unigram and bigram hashes, the character stream
// " w1 w2 ... wn " as 4-byte windows, and every byte's class. The sink gets:
//   word(unigram_hash, bigram_hash, has_bigram, begin, end, previous_begin)   (positions in data)
//   chars(window)   byte(cls, b)   (separator bytes only)
template <class Sink>
void walk(std::string_view data, Sink& sink) {
  std::uint32_t h = kFnvOffset, hb = 0, prev = 0, window = 0;
  std::size_t emitted = 0, begin = 0, prev_begin = 0;
  bool in_word = false, have_prev = false;
  // (both inlined: called from two places, end_word would otherwise be a call that keeps the sink's
  // counters in memory, a store and a reload on every byte)
  auto emit = [&](unsigned char b) __attribute__((always_inline)) {
    window = (window >> 8) | (static_cast<std::uint32_t>(b) << 24);
    if (++emitted >= 4) sink.chars(window);
  };
  auto end_word = [&](std::size_t end) __attribute__((always_inline)) {
    sink.word(h, hb, have_prev, begin, end, prev_begin);
    prev = h;
    prev_begin = begin;
    have_prev = true;
    in_word = false;
    emit(' ');
  };
  for (std::size_t i = 0; i < data.size(); ++i) {
    auto b = static_cast<unsigned char>(data[i]);
    std::uint8_t cls = kClass[b];
    if (cls & kWord) {
      if (!in_word) {
        in_word = true;
        begin = i;
        h = kFnvOffset;
        if (have_prev)
          hb = fnv(prev, ' ');
        else
          emit(' ');
      }
      auto c = static_cast<unsigned char>(b >= 'A' && b <= 'Z' ? b + 32 : b);
      h = fnv(h, c);
      hb = fnv(hb, c);
      emit(c);
      sink.digit(cls & kDigit);
    } else {
      if (in_word) end_word(i);
      sink.byte(cls, b);
    }
  }
  if (in_word) end_word(data.size());
}

struct Extractor {
  Features& out;
  std::size_t words = 0, digits = 0, lines = 0, code = 0, math = 0, questions = 0;
  std::array<std::size_t, 4> cues{};
  void word(std::uint32_t h, std::uint32_t hb, bool bigram, std::size_t, std::size_t, std::size_t) {
    out.words.push_back(word_bucket(h));
    if (bigram) out.words.push_back(word_bucket(hb));
    ++cues[cue_kind(h)];
    ++words;
  }
  void chars(std::uint32_t window) { out.chars.push_back(char_bucket(window)); }
  void digit(bool d) { digits += d; }
  void byte(std::uint8_t cls, unsigned char b) {
    code += (cls & kCode) != 0;
    math += (cls & kMath) != 0;
    lines += b == '\n';
    questions += b == '?';
  }
};

double count(std::size_t n) {
  return std::log1p(static_cast<double>(n));
}

}  // namespace

void extract(std::string_view text, std::size_t turns, std::size_t tools, std::size_t system_bytes,
             Features& out) {
  out.words.clear();
  out.chars.clear();
  std::string_view data = tail(text);
  Extractor x{out};
  walk(data, x);
  out.dense = {count(text.size()),
               count(x.words),
               data.empty() ? 0.0 : static_cast<double>(x.digits) / static_cast<double>(data.size()),
               count(x.lines),
               count(x.code),
               count(x.math),
               count(x.questions),
               count(x.cues[1]),
               count(x.cues[2]),
               count(x.cues[3]),
               count(turns),
               count(tools),
               count(system_bytes)};
}

std::string_view routed_text(const ChatRequest& req, std::string& scratch) {
  for (auto m = req.messages.rbegin(); m != req.messages.rend(); ++m) {
    if (m->role != Role::user) continue;
    // (one text part, the usual case, is read where it is)
    if (m->content.size() == 1 && m->content[0].kind == ContentPart::Kind::text) return m->content[0].text;
    scratch = m->text();
    return scratch;
  }
  return {};
}

void extract(const ChatRequest& req, Features& out) {
  std::size_t turns = 0, system_bytes = 0;
  for (const auto& m : req.messages) {
    turns += m.role == Role::user;
    if (m.role == Role::system || m.role == Role::developer)
      for (const auto& p : m.content) system_bytes += p.kind == ContentPart::Kind::text ? p.text.size() : 0;
  }
  thread_local std::string scratch;
  extract(routed_text(req, scratch), turns, req.tools.size(), system_bytes, out);
}

namespace {

// A gram's bytes for JSON: a character 4-gram (or the first word of a cut text) may hold part of a UTF-8
// sequence, which becomes '?'.
std::string printable(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size();
    for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
    if (ok) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out.push_back('?');
      ++i;
    }
  }
  return out;
}

// Finds the first gram of a family that falls in a bucket, for describe_*.
struct Finder {
  std::string_view data;
  std::uint32_t bucket;
  bool want_chars;
  std::string found;
  void word(std::uint32_t h, std::uint32_t hb, bool bigram, std::size_t begin, std::size_t end,
            std::size_t prev_begin) {
    if (want_chars || !found.empty()) return;
    if (word_bucket(h) == bucket)
      found = fmt::format("word \"{}\"", printable(data.substr(begin, end - begin)));
    else if (bigram && word_bucket(hb) == bucket)
      found = fmt::format("words \"{}\"", printable(data.substr(prev_begin, end - prev_begin)));
  }
  void chars(std::uint32_t window) {
    if (!want_chars || !found.empty() || char_bucket(window) != bucket) return;
    std::string gram;
    for (int k = 0; k < 4; ++k) gram.push_back(static_cast<char>((window >> (8 * k)) & 0xFF));
    found = fmt::format("chars \"{}\"", printable(gram));
  }
  void digit(bool) {}
  void byte(std::uint8_t, unsigned char) {}
};

std::string describe(std::string_view text, std::uint32_t bucket, bool chars) {
  Finder f{tail(text), bucket, chars, {}};
  walk(f.data, f);
  return f.found;
}

}  // namespace

std::string describe_word_bucket(std::string_view text, std::uint32_t bucket) {
  return describe(text, bucket, false);
}

std::string describe_char_bucket(std::string_view text, std::uint32_t bucket) {
  return describe(text, bucket, true);
}

}  // namespace modelmux::routing
