#include "providers/aws/credentials.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <map>

namespace modelmux::aws {
namespace {

using Section = std::map<std::string, std::string>;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string home_file(const char* override_var, const char* relative) {
  if (auto v = env(override_var); !v.empty()) return v;
  return env("HOME") + "/" + relative;
}

// One section of an AWS shared INI file; `header` is the section name as written between the brackets.
// Returns false when the file or the section is missing.
bool read_section(const std::string& path, const std::string& header, Section& out) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  bool inside = false, found = false;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      auto close = line.find(']');
      inside = close != std::string::npos && trim(line.substr(1, close - 1)) == header;
      found = found || inside;
      continue;
    }
    if (!inside) continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    out.emplace(trim(line.substr(0, eq)), trim(line.substr(eq + 1)));
  }
  return found;
}

}  // namespace

ResolvedCredentials resolve_credentials(const config::TargetConfig& t) {
  ResolvedCredentials r;
  auto key = [&](std::string_view name) { return std::string(t.provider_keys.get(name)); };
  std::string profile = key("aws_profile").empty() ? env("AWS_PROFILE") : key("aws_profile");
  bool named_profile = !profile.empty();
  if (profile.empty()) profile = "default";

  // The profile's sections: credentials file first, config file second (`[profile name]` there, except
  // for the default profile).
  std::string creds_file = home_file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
  std::string config_file = home_file("AWS_CONFIG_FILE", ".aws/config");
  Section from_creds, from_config;
  bool in_creds = read_section(creds_file, profile, from_creds);
  bool in_config =
      read_section(config_file, profile == "default" ? profile : "profile " + profile, from_config);
  auto profile_value = [&](const std::string& key) {
    if (auto it = from_creds.find(key); it != from_creds.end()) return it->second;
    if (auto it = from_config.find(key); it != from_config.end()) return it->second;
    return std::string();
  };

  if (!key("aws_access_key_id").empty() || !key("aws_secret_access_key").empty()) {
    if (key("aws_access_key_id").empty() || key("aws_secret_access_key").empty())
      config::raise(t.origin, "aws_access_key_id and aws_secret_access_key must be set together");
    r.credentials = {key("aws_access_key_id"), key("aws_secret_access_key"), key("aws_session_token")};
    r.source = "the target's aws_access_key_id";
  } else if (!key("aws_credential").empty()) {
    r.source = "stored credential " + key("aws_credential");  // the store's keys come later (prepare_with)
  } else if (!named_profile && !env("AWS_ACCESS_KEY_ID").empty() && !env("AWS_SECRET_ACCESS_KEY").empty()) {
    r.credentials = {env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"), env("AWS_SESSION_TOKEN")};
    r.source = "AWS_ACCESS_KEY_ID";
  } else {
    if (named_profile && !in_creds && !in_config)
      config::raise(t.origin, fmt::format("AWS profile \"{}\" is in neither {} nor {}", profile, creds_file,
                                          config_file));
    r.credentials = {profile_value("aws_access_key_id"), profile_value("aws_secret_access_key"),
                     profile_value("aws_session_token")};
    r.source = fmt::format("profile \"{}\"", profile);
    if (r.credentials.access_key_id.empty() || r.credentials.secret_access_key.empty())
      config::raise(
          t.origin,
          fmt::format("no AWS credentials: set aws_access_key_id and aws_secret_access_key, or "
                      "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give profile \"{}\" keys in {}",
                      profile, creds_file));
  }

  r.region = key("aws_region");
  if (r.region.empty()) r.region = env("AWS_REGION");
  if (r.region.empty()) r.region = env("AWS_DEFAULT_REGION");
  if (r.region.empty()) r.region = profile_value("region");
  if (r.region.empty())
    config::raise(t.origin,
                  fmt::format("no AWS region: set aws_region, AWS_REGION, or region in profile \"{}\" of {}",
                              profile, config_file));
  if (r.region.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos)
    config::raise(t.origin, fmt::format("\"{}\" is not an AWS region name", r.region));
  return r;
}

}  // namespace modelmux::aws
