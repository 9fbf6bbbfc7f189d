#include "core/json_scan.hpp"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace modelmux::json_scan {
namespace {

bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::size_t skip_ws(std::string_view t, std::size_t i) {
  while (i < t.size() && is_ws(t[i])) ++i;
  return i;
}

// i at the opening quote; returns one past the closing quote. memchr jumps over the string's bulk.
std::size_t skip_string(std::string_view t, std::size_t i) {
  ++i;
  while (i < t.size()) {
    const void* q = std::memchr(t.data() + i, '"', t.size() - i);
    if (!q) return t.size();
    std::size_t at = static_cast<std::size_t>(static_cast<const char*>(q) - t.data());
    std::size_t slashes = 0;
    while (at - slashes > i && t[at - slashes - 1] == '\\') ++slashes;
    if (slashes % 2 == 0) return at + 1;
    i = at + 1;
  }
  return t.size();
}

// Bytes that matter inside a container: quotes and brackets; everything else is skipped in bulk.
struct Structural {
  bool is[256] = {};
  constexpr Structural() { is['"'] = is['{'] = is['}'] = is['['] = is[']'] = true; }
};
constexpr Structural kStructural;

std::size_t skip_value(std::string_view t, std::size_t i) {
  if (i >= t.size()) return i;
  if (t[i] == '"') return skip_string(t, i);
  if (t[i] == '{' || t[i] == '[') {
    int depth = 0;
    while (i < t.size()) {
      char c = t[i];
      if (!kStructural.is[static_cast<unsigned char>(c)]) {
        ++i;
        continue;
      }
      if (c == '"') {
        i = skip_string(t, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return i;
  }
  while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ']' && !is_ws(t[i])) ++i;
  return i;
}

}  // namespace

std::vector<Span> find_top_level(std::string_view t, std::string_view key) {
  std::vector<Span> spans;
  std::size_t i = skip_ws(t, 0);
  if (i >= t.size() || t[i] != '{') return spans;
  i = skip_ws(t, i + 1);
  while (i < t.size() && t[i] == '"') {
    std::size_t key_end = skip_string(t, i);
    std::string_view raw_key = t.substr(i + 1, key_end - i - 2);
    i = skip_ws(t, key_end);
    if (i >= t.size() || t[i] != ':') return spans;
    i = skip_ws(t, i + 1);
    std::size_t value_end = skip_value(t, i);
    if (raw_key == key) spans.push_back({i, value_end});
    i = skip_ws(t, value_end);
    if (i < t.size() && t[i] == ',') i = skip_ws(t, i + 1);
  }
  return spans;
}

namespace {

// `"key"` closes with the quote at `close`, and a value follows its colon: the value's span.
std::optional<Span> key_closing_at(std::string_view t, std::size_t close, std::string_view key) {
  if (close < key.size() + 1) return std::nullopt;
  std::size_t open = close - key.size() - 1;
  if (t[open] != '"' || t.compare(open + 1, key.size(), key) != 0) return std::nullopt;
  // An escaped quote before it would make it string content, which valid JSON cannot have unescaped.
  if (open > 0 && t[open - 1] == '\\') return std::nullopt;
  std::size_t i = skip_ws(t, close + 1);
  if (i >= t.size() || t[i] != ':') return std::nullopt;
  i = skip_ws(t, i + 1);
  return Span{i, skip_value(t, i)};
}

}  // namespace

std::optional<Span> find_last_key(std::string_view t, std::string_view key) {
  // Walk back from quote to quote; a candidate is a quote closing `"key"`. The quotes of each 16 bytes are
  // found at once (SSE2), not by a memrchr call per quote: a reply's usage comes after twenty-odd quotes,
  // on every pass-through request (~815 instructions for the search and the usage's span, now ~740).
  std::size_t end = t.size();
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  while (end >= 16) {
    std::size_t start = end - 16;
    auto bits = static_cast<unsigned>(_mm_movemask_epi8(
        _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t.data() + start)), quote)));
    while (bits != 0) {
      int last = 31 - __builtin_clz(bits);
      bits &= ~(1u << last);
      if (auto span = key_closing_at(t, start + static_cast<std::size_t>(last), key)) return span;
    }
    end = start;
  }
#endif
  while (end > 0) {
    const void* q = ::memrchr(t.data(), '"', end);
    if (!q) return std::nullopt;
    end = static_cast<std::size_t>(static_cast<const char*>(q) - t.data());
    if (auto span = key_closing_at(t, end, key)) return span;
  }
  return std::nullopt;
}

std::string replace(std::string_view text, std::span<const Span> spans, std::string_view replacement) {
  std::string out;
  out.reserve(text.size() + spans.size() * replacement.size());
  std::size_t at = 0;
  for (const auto& s : spans) {
    out.append(text.substr(at, s.begin - at));
    out.append(replacement);
    at = s.end;
  }
  out.append(text.substr(at));
  return out;
}

}  // namespace modelmux::json_scan
