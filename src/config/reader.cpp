#include "config/reader.hpp"

#include <fmt/format.h>

#include <set>

namespace modelmux::config {

void raise(const Origin& at, const std::string& problem) {
  if (at.key.empty()) throw ConfigError(fmt::format("{}:{}: {}", at.file, at.line, problem));
  throw ConfigError(fmt::format("{}:{}: {}: {}", at.file, at.line, at.key, problem));
}

void Reader::require_map(const YAML::Node& n, const std::string& key) const {
  if (!n.IsMap()) raise(at(n, key), "must be a mapping");
}

void Reader::only_keys(const YAML::Node& n, const std::string& key,
                       std::initializer_list<const char*> allowed) const {
  std::set<std::string> ok(allowed.begin(), allowed.end());
  for (const auto& kv : n) {
    auto name = kv.first.as<std::string>();
    if (!ok.contains(name)) {
      std::string list;
      for (const auto* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      raise(at(kv.first, key.empty() ? name : key + "." + name),
            fmt::format("unknown key (expected one of: {})", list));
    }
  }
}

std::string Reader::str(const YAML::Node& n, const std::string& key) const {
  if (!n.IsScalar()) raise(at(n, key), "must be a string");
  return interpolate_env(n.Scalar(), at(n, key));
}

std::string Reader::header_safe(const YAML::Node& n, const std::string& key) const {
  std::string s = str(n, key);
  if (s.find_first_of("\r\n") != std::string::npos) raise(at(n, key), "must not contain line breaks");
  return s;
}

std::int64_t Reader::integer(const YAML::Node& n, const std::string& key, std::int64_t min,
                             std::int64_t max) const {
  std::string s = str(n, key);
  std::int64_t v = 0;
  std::size_t used = 0;
  try {
    v = std::stoll(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != s.size()) raise(at(n, key), fmt::format("\"{}\" is not an integer", s));
  if (v < min || v > max) raise(at(n, key), fmt::format("{} is out of range [{}, {}]", v, min, max));
  return v;
}

bool Reader::boolean(const YAML::Node& n, const std::string& key) const {
  std::string s = str(n, key);
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  raise(at(n, key), fmt::format("\"{}\" is not a boolean", s));
}

double Reader::number(const YAML::Node& n, const std::string& key, double min, double max) const {
  std::string s = str(n, key);
  double v = 0;
  std::size_t used = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != s.size()) raise(at(n, key), fmt::format("\"{}\" is not a number", s));
  if (v < min || v > max) raise(at(n, key), fmt::format("{} is out of range [{}, {}]", v, min, max));
  return v;
}

std::vector<std::string> Reader::strings(const YAML::Node& n, const std::string& key) const {
  if (!n.IsSequence()) raise(at(n, key), "must be a list of strings");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n.size(); ++i) out.push_back(str(n[i], fmt::format("{}[{}]", key, i)));
  return out;
}

routing::Strategy Reader::strategy(const YAML::Node& n, const std::string& key) const {
  std::string s = str(n, key);
  if (auto v = routing::parse_strategy(s)) return *v;
  raise(at(n, key), routing::unknown_strategy(s));
}

ms Reader::millis(const YAML::Node& n, const std::string& key) const {
  return ms(integer(n, key, 1, 24LL * 3600 * 1000));
}

}  // namespace modelmux::config
