// A response head (status line and header lines) written in one pass into one string: the exact size is
// known before a byte is written, so the string is sized once and filled in place, with room left for the
// framing line the caller appends (content-length or transfer-encoding).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace modelmux::http {

using HeaderView = std::pair<std::string_view, std::string_view>;
using HeaderViews = std::span<const HeaderView>;

struct HeadParts {
  unsigned status = 200;
  std::string_view content_type;  // left out when empty
  std::string_view request_id;
  HeaderViews extra, added;  // the caller's headers, then the exchange's own
  // Header lines the caller rendered itself ("name: value\r\n" each), written as they are: it vouches that
  // they break no line elsewhere (numbers it formatted), so they are neither copied pair by pair nor
  // scrubbed.
  std::string_view lines;
  bool keep_alive = true;
  unsigned version = 11;  // the request's: an HTTP/1.0 client that keeps the connection is told so
};

// CR and LF in a value become spaces: no header injection, whoever wrote the value.
std::string render_head(const HeadParts& parts);

// CR and LF in [p, p + n) made spaces, in place: a value written into a head (a response's here, a request's
// to an upstream in http/client.cpp) cannot start a line of its own.
void scrub_line_breaks(char* p, std::size_t n);

}  // namespace modelmux::http
