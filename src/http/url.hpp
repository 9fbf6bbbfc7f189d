#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "modelmux/error.hpp"

namespace modelmux::http {

// An upstream base URL: scheme, host, port and the path prefix requests are appended to.
struct Url {
  bool tls = false;
  std::string host;
  std::uint16_t port = 0;
  std::string path;  // without a trailing slash; "" for the root

  // Computed once by parse_url: scheme://host:port (the connection pool's key) and the Host header.
  const std::string& origin() const { return origin_; }
  const std::string& host_header() const { return host_header_; }

 private:
  friend Result<Url> parse_url(const std::string& text);
  std::string origin_;
  std::string host_header_;
};

Result<Url> parse_url(const std::string& text);

// Percent-decoding ('+' as a space when `plus_is_space`, as query strings write it). Malformed escapes are
// kept as they are.
std::string percent_decode(std::string_view text, bool plus_is_space = false);
// The value of `name` in a query string ("a=1&b=x%20y"), decoded; nullopt when absent.
std::optional<std::string> query_value(std::string_view query, std::string_view name);

}  // namespace modelmux::http
