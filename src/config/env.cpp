// ${VAR} and ${VAR:-default} in configuration values, from the environment: an unset VAR without a default
// is an error at the value's line, never a silent empty string.
#include <fmt/format.h>

#include <cstdlib>

#include "config/config.hpp"

namespace modelmux::config {

std::string interpolate_env(const std::string& text, const Origin& at) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    auto start = text.find("${", i);
    if (start == std::string::npos) {
      out.append(text, i);
      break;
    }
    out.append(text, i, start - i);
    auto end = text.find('}', start);
    if (end == std::string::npos) raise(at, "unterminated ${ in value");
    std::string expr = text.substr(start + 2, end - start - 2);
    std::string name = expr, fallback;
    bool has_fallback = false;
    if (auto d = expr.find(":-"); d != std::string::npos) {
      name = expr.substr(0, d);
      fallback = expr.substr(d + 2);
      has_fallback = true;
    }
    if (name.empty()) raise(at, "empty variable name in ${}");
    const char* v = std::getenv(name.c_str());
    if (v && *v) {
      out += v;
    } else if (has_fallback) {
      out += fallback;
    } else {
      raise(at, fmt::format("environment variable {} is not set", name));
    }
    i = end + 1;
  }
  return out;
}

}  // namespace modelmux::config
