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

// Values rarely hold either byte, so eight bytes at a time are tested for both (a byte equal to b makes
// (w ^ b...) hold a zero byte, which the borrow test finds) and only a word that holds one is fixed.
void scrub_line_breaks(char* p, std::size_t n) {
  auto fix = [](char* from, char* to) {
    for (char* c = from; c < to; ++c)
      if (*c == '\r' || *c == '\n') *c = ' ';
  };
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  auto holds = [](std::uint64_t w, std::uint64_t byte) {
    std::uint64_t x = w ^ (kOnes * byte);
    return ((x - kOnes) & ~x & kHigh) != 0;
  };
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (holds(w, '\r') || holds(w, '\n')) fix(p + i, p + i + 8);
  }
  fix(p + i, p + n);
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
