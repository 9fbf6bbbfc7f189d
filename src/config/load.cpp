// Loading a configuration: the YAML document's sections into a Config (routing's in load_routing.cpp), the
// model groups' targets with their common keys (a provider's own keys are checked when the target is made),
// and the checks across sections (names a group refers to must exist).
#include "config/load.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "config/reader.hpp"

namespace modelmux::config {
namespace {

void read_server(const Reader& r, const YAML::Node& n, ServerConfig& s) {
  r.require_map(n, "server");
  r.only_keys(
      n, "server",
      {"listen", "threads", "max_body_bytes", "header_timeout_ms", "body_timeout_ms", "idle_timeout_ms",
       "shutdown_grace_ms", "access_log", "max_connections", "reuse_port", "cors"});
  if (auto v = n["listen"]) parse_listen(r.str(v, "server.listen"), r.at(v, "server.listen"), s.host, s.port);
  if (auto v = n["threads"]) s.threads = static_cast<int>(r.integer(v, "server.threads", 0, 1024));
  if (auto v = n["max_body_bytes"])
    s.max_body_bytes = static_cast<std::size_t>(r.integer(v, "server.max_body_bytes", 1024, 1LL << 31));
  if (auto v = n["header_timeout_ms"]) s.header_timeout = r.millis(v, "server.header_timeout_ms");
  if (auto v = n["body_timeout_ms"]) s.body_timeout = r.millis(v, "server.body_timeout_ms");
  if (auto v = n["idle_timeout_ms"]) s.idle_timeout = r.millis(v, "server.idle_timeout_ms");
  if (auto v = n["shutdown_grace_ms"]) s.shutdown_grace = r.millis(v, "server.shutdown_grace_ms");
  if (auto v = n["access_log"]) s.access_log = r.boolean(v, "server.access_log");
  if (auto v = n["max_connections"])
    s.max_connections = static_cast<std::size_t>(r.integer(v, "server.max_connections", 1, 1'000'000));
  if (auto v = n["reuse_port"]) s.reuse_port = r.boolean(v, "server.reuse_port");
  if (auto cors = n["cors"]) {
    r.require_map(cors, "server.cors");
    r.only_keys(cors, "server.cors", {"allowed_origins"});
    if (auto v = cors["allowed_origins"]) {
      s.cors_allowed_origins = r.strings(v, "server.cors.allowed_origins");
      for (std::size_t i = 0; i < s.cors_allowed_origins.size(); ++i) {
        // An origin is what a browser sends in Origin: scheme://host[:port], nothing after it.
        const std::string& o = s.cors_allowed_origins[i];
        auto scheme = o.find("://");
        bool ok = (o.starts_with("http://") || o.starts_with("https://")) && o.size() > scheme + 3 &&
                  o.find_first_of("/?#* ", scheme + 3) == std::string::npos;
        if (!ok)
          raise(r.at(v[i], fmt::format("server.cors.allowed_origins[{}]", i)),
                fmt::format("\"{}\" is not an origin (scheme://host[:port], e.g. https://app.example)", o));
      }
    }
  }
}

TargetConfig read_target(const Reader& r, const YAML::Node& n, const std::string& key) {
  r.require_map(n, key);
  TargetConfig t;
  t.origin = r.at(n, key);
  if (!n["provider"]) raise(r.at(n, key + ".provider"), "is required");
  t.provider = r.str(n["provider"], key + ".provider");
  t.origin = r.at(n["provider"], key + ".provider");
  if (!n["model"]) raise(r.at(n, key + ".model"), "is required (the upstream's model id)");
  t.model = r.str(n["model"], key + ".model");
  if (t.model.empty()) raise(r.at(n["model"], key + ".model"), "must not be empty");
  // Keys no target has in common are its provider's, checked when the target is made.
  for (const auto& kv : n) {
    auto name = kv.first.as<std::string>();
    if (std::find(std::begin(kTargetKeys), std::end(kTargetKeys), name) == std::end(kTargetKeys))
      t.provider_keys.set(name,
                          {r.header_safe(kv.second, key + "." + name), r.at(kv.second, key + "." + name)});
  }
  if (auto v = n["api_base"]) {
    t.api_base = r.str(v, key + ".api_base");
    while (!t.api_base.empty() && t.api_base.back() == '/') t.api_base.pop_back();
  }
  if (auto v = n["api_key"]) t.api_key = r.header_safe(v, key + ".api_key");
  if (auto v = n["weight"]) t.weight = static_cast<int>(r.integer(v, key + ".weight", 0, 1'000'000));
  if (auto v = n["stream_usage"]) t.stream_usage = r.boolean(v, key + ".stream_usage");
  if (auto h = n["headers"]) {
    r.require_map(h, key + ".headers");
    for (const auto& kv : h) {
      auto name = kv.first.as<std::string>();
      if (name.find_first_of("\r\n") != std::string::npos)
        raise(r.at(kv.first, key + ".headers"), "must not contain line breaks");
      t.headers[name] = r.header_safe(kv.second, key + ".headers." + name);
    }
  }
  if (auto to = n["timeouts"]) {
    std::string tk = key + ".timeouts";
    r.require_map(to, tk);
    r.only_keys(to, tk, {"connect_ms", "first_byte_ms", "idle_ms"});
    if (auto v = to["connect_ms"]) t.timeouts.connect = r.millis(v, tk + ".connect_ms");
    if (auto v = to["first_byte_ms"]) t.timeouts.first_byte = r.millis(v, tk + ".first_byte_ms");
    if (auto v = to["idle_ms"]) t.timeouts.idle = r.millis(v, tk + ".idle_ms");
  }
  if (auto v = n["tags"]) t.tags = r.strings(v, key + ".tags");
  if (auto v = n["budget"]) t.budget = read_budget(r, v, key + ".budget");
  if (auto v = n["limits"]) t.limits = read_limits(r, v, key + ".limits", /*parallel=*/false);
  if (auto v = n["quality"]) t.quality = r.number(v, key + ".quality", 0, 1);
  if (auto v = n["local"]) t.local = r.boolean(v, key + ".local");
  if (auto hc = n["health_check"]) {
    std::string hk = key + ".health_check";
    r.require_map(hc, hk);
    r.only_keys(hc, hk, {"interval_ms", "timeout_ms", "prompt"});
    t.health_check.interval =
        hc["interval_ms"] ? r.millis(hc["interval_ms"], hk + ".interval_ms") : ms(30'000);
    if (auto v = hc["timeout_ms"]) t.health_check.timeout = r.millis(v, hk + ".timeout_ms");
    if (auto v = hc["prompt"]) t.health_check.prompt = r.str(v, hk + ".prompt");
  }
  return t;
}

// Names a group uses (fallbacks, auto, content-policy fallback) must be groups of the same file; an auto
// group's groups are served by their own targets.
void check_group_references(const Reader& r, const YAML::Node& n, const std::vector<ModelConfig>& models) {
  std::set<std::string> names;
  for (const auto& m : models) names.insert(m.name);
  for (std::size_t i = 0; i < models.size(); ++i) {
    const auto& m = models[i];
    std::string key = fmt::format("models[{}]", i);
    auto check = [&](const std::string& name, const std::string& field) {
      if (name == m.name)
        raise(r.at(n[i], key + "." + field), fmt::format("\"{}\" refers to its own group", name));
      if (!names.contains(name))
        raise(r.at(n[i], key + "." + field),
              fmt::format("\"{}\" is not a model group of this configuration", name));
    };
    for (const auto& f : m.fallbacks) check(f, "fallbacks");
    if (m.auto_route)
      for (const auto& g : m.auto_route->members()) {
        check(g, "auto");
        for (const auto& other : models)
          if (other.name == g && other.auto_route)
            raise(m.auto_route->origin,
                  fmt::format("\"{}\" is an auto group itself; name groups with targets", g));
      }
    if (!m.content_policy_fallback.empty()) check(m.content_policy_fallback, "content_policy_fallback");
  }
}

void read_prices(const Reader& r, const YAML::Node& n, std::vector<PriceOverride>& out) {
  r.require_map(n, "prices");
  for (const auto& kv : n) {
    PriceOverride p;
    p.model = kv.first.as<std::string>();
    std::string key = "prices." + p.model;
    p.origin = r.at(kv.first, key);
    const YAML::Node e = kv.second;
    r.require_map(e, key);
    r.only_keys(e, key,
                {"input", "output", "cached_input", "cache_write_input", "context_window", "max_output",
                 "capabilities", "quality"});
    if (auto v = e["input"]) p.input = r.number(v, key + ".input", 0, 1e6);
    if (auto v = e["output"]) p.output = r.number(v, key + ".output", 0, 1e6);
    if (auto v = e["cached_input"]) p.cached_input = r.number(v, key + ".cached_input", 0, 1e6);
    if (auto v = e["cache_write_input"])
      p.cache_write_input = r.number(v, key + ".cache_write_input", 0, 1e6);
    if (auto v = e["context_window"]) p.context_window = r.integer(v, key + ".context_window", 1, 1LL << 40);
    if (auto v = e["max_output"]) p.max_output = r.integer(v, key + ".max_output", 1, 1LL << 40);
    if (auto v = e["capabilities"]) p.capabilities = r.strings(v, key + ".capabilities");
    if (auto v = e["quality"]) p.quality = r.number(v, key + ".quality", 0, 1);
    out.push_back(std::move(p));
  }
}

void read_models(const Reader& r, const YAML::Node& n, std::vector<ModelConfig>& models) {
  if (!n.IsSequence()) raise(r.at(n, "models"), "must be a list");
  std::set<std::string> names;
  for (std::size_t i = 0; i < n.size(); ++i) {
    std::string key = fmt::format("models[{}]", i);
    const YAML::Node m = n[i];
    r.require_map(m, key);
    r.only_keys(m, key,
                {"name", "targets", "strategy", "fallbacks", "content_policy_fallback", "hedge", "auto",
                 "tiers", "limits"});
    ModelConfig mc;
    mc.origin = r.at(m, key);
    if (!m["name"]) raise(r.at(m, key + ".name"), "is required");
    mc.name = r.str(m["name"], key + ".name");
    if (mc.name.empty()) raise(r.at(m["name"], key + ".name"), "must not be empty");
    if (!names.insert(mc.name).second)
      raise(r.at(m["name"], key + ".name"), fmt::format("duplicate model name \"{}\"", mc.name));
    read_group_routing(r, m, key, mc);
    if (auto v = m["limits"]) mc.limits = read_limits(r, v, key + ".limits", /*parallel=*/true);
    auto targets = m["targets"];
    // A group routed by the learned router (strategy auto) owns no targets: its groups serve it.
    bool needs_targets = !mc.auto_route;
    if (targets && mc.auto_route)
      raise(r.at(targets, key + ".targets"),
            "an auto group is served by the groups of its auto section, not by targets");
    if (!targets && needs_targets)
      raise(r.at(m, key + ".targets"), "is required (a list of at least one target)");
    if (targets && (!targets.IsSequence() || (targets.size() == 0 && needs_targets)))
      raise(r.at(targets, key + ".targets"), "must be a list of at least one target");
    for (std::size_t k = 0; targets && k < targets.size(); ++k)
      mc.targets.push_back(read_target(r, targets[k], fmt::format("{}.targets[{}]", key, k)));
    models.push_back(std::move(mc));
  }
  check_group_references(r, n, models);
}

Config parse(const std::string& yaml, const std::string& source) {
  Reader r(source);
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("{}:{}: YAML syntax error: {}", source, e.mark.line + 1, e.msg));
  }
  Config cfg;
  cfg.source = source;
  if (!root || root.IsNull()) throw ConfigError(fmt::format("{}:1: the configuration is empty", source));
  r.require_map(root, "");
  r.only_keys(root, "", {"server", "models", "routing", "prices", "errors", "auth", "store"});
  if (auto s = root["server"]) read_server(r, s, cfg.server);
  if (auto a = root["auth"]) read_auth(r, a, cfg.auth);
  if (auto s = root["store"]) read_store(r, s, cfg.store);
  if (auto e = root["errors"]) {
    r.require_map(e, "errors");
    r.only_keys(e, "errors", {"upstream_detail"});
    if (auto v = e["upstream_detail"]) {
      std::string d = r.str(v, "errors.upstream_detail");
      if (d == "full")
        cfg.errors.upstream_detail = observability::UpstreamDetail::full;
      else if (d == "scrubbed")
        cfg.errors.upstream_detail = observability::UpstreamDetail::scrubbed;
      else if (d == "none")
        cfg.errors.upstream_detail = observability::UpstreamDetail::none;
      else
        raise(r.at(v, "errors.upstream_detail"),
              fmt::format("\"{}\" is not one of: full, scrubbed, none", d));
    }
  }
  if (auto v = root["routing"]) read_routing(r, v, cfg.routing);
  if (auto v = root["prices"]) read_prices(r, v, cfg.prices);
  if (auto m = root["models"]) read_models(r, m, cfg.models);
  if (cfg.models.empty())
    throw ConfigError(fmt::format("{}:1: models: at least one model is required", source));
  return cfg;
}

}  // namespace

void parse_listen(const std::string& text, const Origin& at, std::string& host, std::uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    raise(at, fmt::format("\"{}\" is not host:port", text));
  std::string h = text.substr(0, colon);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  std::string p = text.substr(colon + 1);
  int v = -1;
  try {
    std::size_t used = 0;
    v = std::stoi(p, &used);
    if (used != p.size()) v = -1;
  } catch (const std::exception&) {
    v = -1;
  }
  if (v < 0 || v > 65535) raise(at, fmt::format("\"{}\" is not a port number", p));
  host = h;
  port = static_cast<std::uint16_t>(v);
}

Config load_string(const std::string& yaml, const std::string& source_name) {
  return parse(yaml, source_name);
}

Config load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("{}: cannot read the configuration file", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

}  // namespace modelmux::config
