#include "http/url.hpp"

#include <fmt/format.h>

namespace modelmux::http {

Result<Url> parse_url(const std::string& text) {
  Url u;
  std::string_view rest = text;
  if (rest.starts_with("https://")) {
    u.tls = true;
    u.port = 443;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    u.port = 80;
    rest.remove_prefix(7);
  } else {
    return fail(ErrorCode::invalid_request, fmt::format("\"{}\" is not an http:// or https:// URL", text));
  }
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  // user:password@host would be taken for a host name and its password repeated in every error message;
  // the URL is not repeated here either.
  if (authority.find('@') != std::string_view::npos)
    return fail(ErrorCode::invalid_request,
                "must not carry credentials (user:password@host): give them as api_key or headers");
  u.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  while (!u.path.empty() && u.path.back() == '/') u.path.pop_back();
  if (authority.empty()) return fail(ErrorCode::invalid_request, fmt::format("\"{}\" has no host", text));
  std::string_view port_text;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return fail(ErrorCode::invalid_request, fmt::format("\"{}\" has a malformed IPv6 host", text));
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') port_text = authority.substr(close + 2);
  } else {
    auto colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (!port_text.empty()) {
    int p = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || p > 65535)
        return fail(ErrorCode::invalid_request, fmt::format("\"{}\" has a bad port", text));
      p = p * 10 + (c - '0');
    }
    if (p == 0 || p > 65535)
      return fail(ErrorCode::invalid_request, fmt::format("\"{}\" has a bad port", text));
    u.port = static_cast<std::uint16_t>(p);
  }
  if (u.host.empty()) return fail(ErrorCode::invalid_request, fmt::format("\"{}\" has no host", text));
  u.origin_ = fmt::format("{}://{}:{}", u.tls ? "https" : "http", u.host, u.port);
  bool default_port = (u.tls && u.port == 443) || (!u.tls && u.port == 80);
  std::string h = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
  u.host_header_ = default_port ? h : fmt::format("{}:{}", h, u.port);
  return u;
}

}  // namespace modelmux::http
