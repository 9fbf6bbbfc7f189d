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

  std::string origin() const;  // scheme://host:port, the connection pool's key
  std::string host_header() const;
};

Result<Url> parse_url(const std::string& text);

}  // namespace modelmux::http
