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

std::string percent_decode(std::string_view text, bool plus_is_space) {
  auto hex = [](char c) {
    return c >= '0' && c <= '9'                     ? c - '0'
           : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10
                                                    : -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(plus_is_space && text[i] == '+' ? ' ' : text[i]);
    }
  }
  return out;
}

std::optional<std::string> query_value(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    auto eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq), true) != name) continue;
    return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
  }
  return std::nullopt;
}

}  // namespace modelmux::http
