#include "http/simple_head.hpp"

#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace modelmux::http {

namespace {

// Heads longer than this go to Beast (its header limit is kHeaderLimit); the SDKs' are a few hundred bytes.
constexpr std::size_t kSimpleHeadLimit = 16 * 1024;

enum Class : unsigned char {
  kToken = 1,   // tchar (RFC 9110 5.6.2): a method or field name
  kTarget = 2,  // what Beast takes in a request target: any byte above SP but DEL
  kValue = 4,   // a field value or reason phrase: HTAB, SP, VCHAR, obs-text
};

constexpr std::array<unsigned char, 256> make_classes() {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 256; ++c) {
    if (c > 0x20 && c != 0x7f) t[c] |= kTarget;
    if (c == '\t' || (c >= 0x20 && c != 0x7f)) t[c] |= kValue;
  }
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] |= kToken;
  for (int c = '0'; c <= '9'; ++c) t[c] |= kToken;
  for (int c = 'a'; c <= 'z'; ++c) t[c] |= kToken, t[c - 'a' + 'A'] |= kToken;
  return t;
}
constexpr std::array<unsigned char, 256> kClasses = make_classes();

bool is(char c, Class k) {
  return kClasses[static_cast<unsigned char>(c)] & k;
}

#if defined(__SSE2__)
// Sixteen bytes at a time (SSE2 is part of x86-64): a head is ~10 lines of ~30 bytes, and a byte-by-byte
// scan of them was the request path's largest single cost (~2.2k instructions a pass-through request, for
// its head and its upstream's). Each returns the offsets of the bytes in p[0, 16) that end the run, as a
// bit mask (0: the run goes on past them).

// Bytes below `low` or DEL (values and targets; obs-text, 0x80 and above, is allowed).
template <unsigned char low>
unsigned stops16(const char* p) {
  __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i at_least =
      _mm_cmpeq_epi8(_mm_subs_epu8(_mm_set1_epi8(static_cast<char>(low)), v), _mm_setzero_si128());
  __m128i del = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f));
  return (~static_cast<unsigned>(_mm_movemask_epi8(at_least)) & 0xffffu) |
         static_cast<unsigned>(_mm_movemask_epi8(del));
}

// Bytes other than a letter, digit or '-', which is what field names are made of (the other tchars are
// taken one by one after).
unsigned name_stops16(const char* p) {
  __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  auto in_range = [](__m128i x, char lo, char count) {  // lo <= x < lo + count, unsigned
    __m128i off = _mm_sub_epi8(x, _mm_set1_epi8(lo));
    return _mm_cmpeq_epi8(_mm_subs_epu8(off, _mm_set1_epi8(static_cast<char>(count - 1))),
                          _mm_setzero_si128());
  };
  __m128i letter = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 26);
  __m128i digit = in_range(v, '0', 10);
  __m128i dash = _mm_cmpeq_epi8(v, _mm_set1_epi8('-'));
  __m128i ok = _mm_or_si128(_mm_or_si128(letter, digit), dash);
  return ~static_cast<unsigned>(_mm_movemask_epi8(ok)) & 0xffffu;
}
#else
// Elsewhere, eight bytes a word: whether none of the 8 bytes at p is below `low` or DEL.
template <unsigned char low>
bool plain8(const char* p) {
  constexpr std::uint64_t ones = 0x0101010101010101, highs = 0x8080808080808080;
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  std::uint64_t below = (w - ones * low) & ~w & highs;  // (bytes of 0x80 and above are never flagged)
  std::uint64_t x = w ^ (ones * 0x7f);
  std::uint64_t del = (x - ones) & ~x & highs;
  return (below | del) == 0;
}
#endif

// The end of the run of class `k` characters from p (below `last`).
template <Class k>
const char* skip(const char* p, const char* last) {
  constexpr unsigned char low = k == kTarget ? 0x21 : 0x20;
#if defined(__SSE2__)
  while (last - p >= 16) {
    unsigned stops = k == kToken ? name_stops16(p) : stops16<low>(p);
    if (stops == 0) {
      p += 16;
      continue;
    }
    p += __builtin_ctz(stops);
    // A value's tab is below SP but allowed: past it, the run goes on.
    if (k != kValue || *p != '\t') break;
    ++p;
  }
#else
  if constexpr (k != kToken)
    while (last - p >= 8 && plain8<low>(p)) p += 8;
#endif
  while (p < last && is(*p, k)) ++p;
  return p;
}

bool crlf_at(const char* p, const char* last) {
  return last - p >= 2 && p[0] == '\r' && p[1] == '\n';
}

// "HTTP/1.0" or "HTTP/1.1" at p: 10 or 11; 0 otherwise.
unsigned version_at(const char* p, const char* last) {
  if (last - p < 8 || std::memcmp(p, "HTTP/1.", 7) != 0) return 0;
  return p[7] == '0' ? 10 : p[7] == '1' ? 11 : 0;
}

// Whether `s`, a field name or value already read (so with no CR, LF or NUL in it), is `lower` in any case.
// `lower` is lowercase letters and '-': setting each byte's 0x20 bit maps 'A'-'Z' to 'a'-'z' and leaves the
// rest, and the only other bytes it maps onto a letter or '-' are controls a name or value cannot hold.
// Compared eight bytes at a time (the last word overlapping the one before): the framing fields are
// looked for in every line of every head.
template <std::size_t N>
bool is_lower(std::string_view s, const char (&lower)[N]) {
  constexpr std::size_t n = N - 1;
  if (s.size() != n) return false;
  auto word = [](const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  };
  constexpr std::uint64_t case_bits = 0x2020202020202020;
  if constexpr (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8)
      if ((word(s.data() + i) | case_bits) != word(lower + i)) return false;
    return (word(s.data() + n - 8) | case_bits) == word(lower + n - 8);
  } else {
    for (std::size_t i = 0; i < n; ++i)
      if ((static_cast<unsigned char>(s[i]) | 0x20u) != static_cast<unsigned char>(lower[i])) return false;
    return true;
  }
}

// What the fields say that framing and connection handling need.
struct Framing {
  bool content_length = false;
  std::uint64_t length = 0;
  bool close = false, keep_alive = false;
  unsigned hosts = 0;
};

// The field lines from p and the blank line after them: name, colon, value with its surrounding blanks
// trimmed (as Beast trims them), CRLF. Returns the end of the head, or null when it is not whole in
// [p, last) or not in the common shape. Every scan is bounded by `last`: the head may be partial.
const char* read_fields(const char* base, const char* p, const char* last, Framing& f, HeaderList& headers) {
  for (;;) {
    if (crlf_at(p, last)) return p + 2;
    const char* name = p;
    p = skip<kToken>(p, last);
    if (p == name || p == last || *p != ':') return nullptr;  // (a line opening with a blank is obs-fold)
    std::string_view n(name, static_cast<std::size_t>(p - name));
    ++p;
    while (p < last && (*p == ' ' || *p == '\t')) ++p;
    const char* value = p;
    p = skip<kValue>(p, last);
    if (!crlf_at(p, last)) return nullptr;
    const char* end = p;
    while (end > value && (end[-1] == ' ' || end[-1] == '\t')) --end;
    std::string_view v(value, static_cast<std::size_t>(end - value));
    p += 2;
    switch (n.size()) {
      case 4:
        f.hosts += is_lower(n, "host");
        break;
      case 7:
        if (is_lower(n, "upgrade")) return nullptr;
        break;
      case 10:
      case 16:
        if (is_lower(n, "connection") || is_lower(n, "proxy-connection")) {
          // One token, as nearly every client sends it; a list is Beast's to read.
          if (is_lower(v, "close"))
            f.close = true;
          else if (is_lower(v, "keep-alive"))
            f.keep_alive = true;
          else
            return nullptr;
        }
        break;
      case 14:
        if (is_lower(n, "content-length")) {
          if (f.content_length || v.empty() || v.size() > 18) return nullptr;
          std::uint64_t length = 0;
          for (char c : v) {
            if (c < '0' || c > '9') return nullptr;
            length = length * 10 + static_cast<unsigned>(c - '0');
          }
          f.content_length = true;
          f.length = length;
        }
        break;
      case 17:
        if (is_lower(n, "transfer-encoding")) return nullptr;
        break;
      default:
        break;
    }
    headers.add_at(base, n, v);
  }
}

// The head ends at `end`: what the fields said goes into `out`, and the head's bytes into `headers`.
bool finish(std::string_view in, const char* end, const Framing& f, SimpleHead& out, HeaderList& headers) {
  out.content_length = f.length;
  // As Beast's keep_alive(): HTTP/1.1 unless "close", HTTP/1.0 only with "keep-alive".
  out.keep_alive = out.version >= 11 ? !f.close : f.keep_alive;
  out.size = static_cast<std::size_t>(end - in.data());
  headers.keep_text({in.data(), out.size});
  return true;
}

const char* bound(std::string_view in) {
  return in.data() + std::min(in.size(), kSimpleHeadLimit);
}

}  // namespace

bool read_simple_request(std::string_view in, std::size_t body_limit, SimpleHead& out, HeaderList& headers) {
  const char* p = in.data();
  const char* last = bound(in);
  const char* method = p;
  p = skip<kToken>(p, last);
  if (p == method || p == last || *p != ' ') return false;
  out.method = {method, static_cast<std::size_t>(p - method)};
  const char* target = ++p;
  p = skip<kTarget>(p, last);
  if (p == target || p == last || *p != ' ') return false;
  out.target = {target, static_cast<std::size_t>(p - target)};
  ++p;
  out.version = version_at(p, last);
  if (out.version == 0 || !crlf_at(p + 8, last)) return false;
  Framing f;
  const char* end = read_fields(in.data(), p + 10, last, f, headers);
  if (!end) return false;
  // A missing or repeated Host is refused, with its reason, on Beast's path.
  if (f.hosts > 1 || (f.hosts == 0 && out.version >= 11)) return false;
  if (f.length > body_limit) return false;
  return finish(in, end, f, out, headers);
}

bool read_simple_response(std::string_view in, SimpleHead& out, HeaderList& headers) {
  const char* p = in.data();
  const char* last = bound(in);
  out.version = version_at(p, last);
  if (out.version == 0) return false;
  p += 8;
  if (last - p < 5 || p[0] != ' ' || p[4] != ' ') return false;
  int status = 0;
  for (int i = 1; i <= 3; ++i) {
    if (p[i] < '0' || p[i] > '9') return false;
    status = status * 10 + (p[i] - '0');
  }
  // 1xx, 204 and 304 have no body whatever their fields say; Beast's path knows.
  if (status < 200 || status > 599 || status == 204 || status == 304) return false;
  out.status = status;
  p += 5;
  p = skip<kValue>(p, last);  // the reason phrase, unused
  if (!crlf_at(p, last)) return false;
  Framing f;
  const char* end = read_fields(in.data(), p + 2, last, f, headers);
  if (!end || !f.content_length) return false;
  return finish(in, end, f, out, headers);
}

}  // namespace modelmux::http
