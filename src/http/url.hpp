#pragma once

#include <cstdint>
#include <string>

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

}  // namespace modelmux::http
