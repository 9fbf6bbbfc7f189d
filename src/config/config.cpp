#include "config/config.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace modelmux::config {

void raise(const Origin& at, const std::string& problem) {
  if (at.key.empty()) throw ConfigError(fmt::format("{}:{}: {}", at.file, at.line, problem));
  throw ConfigError(fmt::format("{}:{}: {}: {}", at.file, at.line, at.key, problem));
}

namespace {

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  Origin at(const YAML::Node& n, const std::string& key) const {
    return Origin{file_, n.Mark().line >= 0 ? n.Mark().line + 1 : 0, key};
  }

  void require_map(const YAML::Node& n, const std::string& key) const {
    if (!n.IsMap()) raise(at(n, key), "must be a mapping");
  }

  void only_keys(const YAML::Node& n, const std::string& key, std::initializer_list<const char*> allowed) const {
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

  std::string str(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) raise(at(n, key), "must be a string");
    return interpolate_env(n.Scalar(), at(n, key));
  }

  std::int64_t integer(const YAML::Node& n, const std::string& key, std::int64_t min, std::int64_t max) const {
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

  bool boolean(const YAML::Node& n, const std::string& key) const {
    std::string s = str(n, key);
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
    raise(at(n, key), fmt::format("\"{}\" is not a boolean", s));
  }

  double number(const YAML::Node& n, const std::string& key, double min, double max) const {
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

  std::vector<std::string> strings(const YAML::Node& n, const std::string& key) const {
    if (!n.IsSequence()) raise(at(n, key), "must be a list of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n.size(); ++i) out.push_back(str(n[i], fmt::format("{}[{}]", key, i)));
    return out;
  }

  Strategy strategy(const YAML::Node& n, const std::string& key) const {
    std::string s = str(n, key);
    if (auto v = parse_strategy(s)) return *v;
    raise(at(n, key), fmt::format("unknown strategy \"{}\" (known: priority, weighted, least_busy, latency, cost, "
                                  "quality, balanced, local_first, adaptive, auto)", s));
  }

  ms millis(const YAML::Node& n, const std::string& key) const {
    return ms(integer(n, key, 1, 24LL * 3600 * 1000));
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

void read_server(const Reader& r, const YAML::Node& n, ServerConfig& s) {
  r.require_map(n, "server");
  r.only_keys(n, "server",
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
  r.only_keys(n, key,
              {"provider", "model", "api_base", "api_key", "api_version", "weight", "stream_usage", "headers", "timeouts",
               "tags", "quality", "local", "health_check", "aws_access_key_id", "aws_secret_access_key",
               "aws_session_token", "aws_region", "aws_profile", "sagemaker_format"});
  TargetConfig t;
  t.origin = r.at(n, key);
  if (!n["provider"]) raise(r.at(n, key + ".provider"), "is required");
  t.provider = r.str(n["provider"], key + ".provider");
  t.origin = r.at(n["provider"], key + ".provider");
  if (!n["model"]) raise(r.at(n, key + ".model"), "is required (the upstream's model id)");
  t.model = r.str(n["model"], key + ".model");
  if (t.model.empty()) raise(r.at(n["model"], key + ".model"), "must not be empty");
  if (auto v = n["api_base"]) {
    t.api_base = r.str(v, key + ".api_base");
    while (!t.api_base.empty() && t.api_base.back() == '/') t.api_base.pop_back();
  }
  auto no_line_breaks = [&](const YAML::Node& v, const std::string& k, const std::string& text) {
    if (text.find_first_of("\r\n") != std::string::npos) raise(r.at(v, k), "must not contain line breaks");
  };
  if (auto v = n["api_key"]) {
    t.api_key = r.str(v, key + ".api_key");
    no_line_breaks(v, key + ".api_key", t.api_key);
  }
  for (auto [name, field] : {std::pair{"aws_access_key_id", &t.aws_access_key_id},
                              {"aws_secret_access_key", &t.aws_secret_access_key},
                              {"aws_session_token", &t.aws_session_token}, {"aws_region", &t.aws_region},
                              {"aws_profile", &t.aws_profile}}) {
    if (auto v = n[name]) {
      *field = r.str(v, key + "." + name);
      no_line_breaks(v, key + "." + name, *field);
    }
  }
  if (auto v = n["sagemaker_format"]) {
    t.sagemaker_format = r.str(v, key + ".sagemaker_format");
    if (t.sagemaker_format != "openai" && t.sagemaker_format != "tgi")
      raise(r.at(v, key + ".sagemaker_format"), fmt::format("\"{}\" is not one of: openai, tgi", t.sagemaker_format));
  }
  if (auto v = n["weight"]) t.weight = static_cast<int>(r.integer(v, key + ".weight", 0, 1'000'000));
  if (auto v = n["stream_usage"]) t.stream_usage = r.boolean(v, key + ".stream_usage");
  if (auto v = n["api_version"]) t.api_version = r.str(v, key + ".api_version");
  if (auto h = n["headers"]) {
    r.require_map(h, key + ".headers");
    for (const auto& kv : h) {
      auto name = kv.first.as<std::string>();
      t.headers[name] = r.str(kv.second, key + ".headers." + name);
      no_line_breaks(kv.second, key + ".headers." + name, name + t.headers[name]);
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
  if (auto v = n["quality"]) t.quality = r.number(v, key + ".quality", 0, 1);
  if (auto v = n["local"]) t.local = r.boolean(v, key + ".local");
  if (auto hc = n["health_check"]) {
    std::string hk = key + ".health_check";
    r.require_map(hc, hk);
    r.only_keys(hc, hk, {"interval_ms", "timeout_ms", "prompt"});
    t.health_check.interval = hc["interval_ms"] ? r.millis(hc["interval_ms"], hk + ".interval_ms") : ms(30'000);
    if (auto v = hc["timeout_ms"]) t.health_check.timeout = r.millis(v, hk + ".timeout_ms");
    if (auto v = hc["prompt"]) t.health_check.prompt = r.str(v, hk + ".prompt");
  }
  return t;
}

void read_group_routing(const Reader& r, const YAML::Node& m, const std::string& key, ModelConfig& mc) {
  if (auto v = m["strategy"]) mc.strategy = r.strategy(v, key + ".strategy");
  if (auto v = m["fallbacks"]) mc.fallbacks = r.strings(v, key + ".fallbacks");
  if (auto v = m["content_policy_fallback"]) mc.content_policy_fallback = r.str(v, key + ".content_policy_fallback");
  if (auto h = m["hedge"]) {
    std::string hk = key + ".hedge";
    r.require_map(h, hk);
    r.only_keys(h, hk, {"after_ms"});
    auto v = h["after_ms"];
    if (!v) raise(r.at(h, hk + ".after_ms"), "is required (milliseconds, or p95)");
    mc.hedge.enabled = true;
    if (v.IsScalar() && v.Scalar() == "p95") mc.hedge.after_p95 = true;
    else mc.hedge.after = r.millis(v, hk + ".after_ms");
  }
  if (auto t = m["tiers"]) {
    std::string tk = key + ".tiers";
    r.require_map(t, tk);
    r.only_keys(t, tk, {"simple", "moderate", "complex", "expert"});
    for (const auto& kv : t) mc.tiers[kv.first.as<std::string>()] = r.str(kv.second, tk + "." + kv.first.as<std::string>());
    if (mc.strategy && *mc.strategy != Strategy::auto_tier) raise(r.at(t, tk), "is only used with strategy auto");
    mc.strategy = Strategy::auto_tier;
  }
  if (mc.strategy == Strategy::auto_tier && mc.tiers.empty())
    raise(r.at(m, key + ".tiers"), "is required with strategy auto (tier -> model group)");
}

// Names a group uses (fallbacks, tiers, content-policy fallback) must be groups of the same file.
void check_group_references(const Reader& r, const YAML::Node& n, const std::vector<ModelConfig>& models) {
  std::set<std::string> names;
  for (const auto& m : models) names.insert(m.name);
  for (std::size_t i = 0; i < models.size(); ++i) {
    const auto& m = models[i];
    std::string key = fmt::format("models[{}]", i);
    auto check = [&](const std::string& name, const std::string& field) {
      if (name == m.name) raise(r.at(n[i], key + "." + field), fmt::format("\"{}\" refers to its own group", name));
      if (!names.contains(name))
        raise(r.at(n[i], key + "." + field), fmt::format("\"{}\" is not a model group of this configuration", name));
    };
    for (const auto& f : m.fallbacks) check(f, "fallbacks");
    for (const auto& [tier, g] : m.tiers) check(g, "tiers." + tier);
    if (!m.content_policy_fallback.empty()) check(m.content_policy_fallback, "content_policy_fallback");
  }
}

void read_routing(const Reader& r, const YAML::Node& n, RoutingConfig& rc) {
  r.require_map(n, "routing");
  r.only_keys(n, "routing", {"default_strategy", "retries", "breaker", "balanced", "adaptive", "latency",
                             "expected_output_tokens"});
  if (auto v = n["default_strategy"]) {
    rc.default_strategy = r.strategy(v, "routing.default_strategy");
    if (rc.default_strategy == Strategy::auto_tier)
      raise(r.at(v, "routing.default_strategy"), "auto needs tiers, so it is set per model group");
  }
  if (auto v = n["expected_output_tokens"])
    rc.expected_output_tokens = r.integer(v, "routing.expected_output_tokens", 1, 10'000'000);
  if (auto t = n["retries"]) {
    r.require_map(t, "routing.retries");
    r.only_keys(t, "routing.retries", {"max_attempts", "max_retries", "backoff_base_ms", "backoff_max_ms",
                                       "max_retry_after_ms", "attempt_timeout_ms"});
    auto& x = rc.retries;
    if (auto v = t["max_attempts"]) x.max_attempts = static_cast<int>(r.integer(v, "routing.retries.max_attempts", 1, 100));
    if (auto v = t["max_retries"]) x.max_retries = static_cast<int>(r.integer(v, "routing.retries.max_retries", 0, 100));
    if (auto v = t["backoff_base_ms"]) x.backoff_base = r.millis(v, "routing.retries.backoff_base_ms");
    if (auto v = t["backoff_max_ms"]) x.backoff_max = r.millis(v, "routing.retries.backoff_max_ms");
    if (auto v = t["max_retry_after_ms"]) x.max_retry_after = r.millis(v, "routing.retries.max_retry_after_ms");
    if (auto v = t["attempt_timeout_ms"]) x.attempt_timeout = r.millis(v, "routing.retries.attempt_timeout_ms");
  }
  if (auto b = n["breaker"]) {
    r.require_map(b, "routing.breaker");
    r.only_keys(b, "routing.breaker", {"consecutive_failures", "error_rate", "min_requests", "window_ms", "cooldown_ms",
                                       "half_open_probes"});
    auto& x = rc.breaker;
    if (auto v = b["consecutive_failures"])
      x.consecutive_failures = static_cast<int>(r.integer(v, "routing.breaker.consecutive_failures", 1, 1'000'000));
    if (auto v = b["error_rate"]) x.error_rate = r.number(v, "routing.breaker.error_rate", 0.01, 1);
    if (auto v = b["min_requests"]) x.min_requests = static_cast<int>(r.integer(v, "routing.breaker.min_requests", 1, 1'000'000));
    if (auto v = b["window_ms"]) x.window = r.millis(v, "routing.breaker.window_ms");
    if (auto v = b["cooldown_ms"]) x.cooldown = r.millis(v, "routing.breaker.cooldown_ms");
    if (auto v = b["half_open_probes"]) x.half_open_probes = static_cast<int>(r.integer(v, "routing.breaker.half_open_probes", 1, 1000));
  }
  if (auto b = n["balanced"]) {
    r.require_map(b, "routing.balanced");
    r.only_keys(b, "routing.balanced", {"cost", "speed", "quality"});
    if (auto v = b["cost"]) rc.balanced.cost = r.number(v, "routing.balanced.cost", 0, 1000);
    if (auto v = b["speed"]) rc.balanced.speed = r.number(v, "routing.balanced.speed", 0, 1000);
    if (auto v = b["quality"]) rc.balanced.quality = r.number(v, "routing.balanced.quality", 0, 1000);
  }
  if (auto a = n["adaptive"]) {
    r.require_map(a, "routing.adaptive");
    r.only_keys(a, "routing.adaptive", {"exploration", "half_life_ms"});
    if (auto v = a["exploration"]) rc.adaptive_exploration = r.number(v, "routing.adaptive.exploration", 0, 1);
    if (auto v = a["half_life_ms"]) rc.adaptive_half_life = r.millis(v, "routing.adaptive.half_life_ms");
  }
  if (auto l = n["latency"]) {
    r.require_map(l, "routing.latency");
    r.only_keys(l, "routing.latency", {"half_life_ms"});
    if (auto v = l["half_life_ms"]) rc.latency_half_life = r.millis(v, "routing.latency.half_life_ms");
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
    r.only_keys(e, key, {"input", "output", "cached_input", "context_window", "capabilities", "quality"});
    if (auto v = e["input"]) p.input = r.number(v, key + ".input", 0, 1e6);
    if (auto v = e["output"]) p.output = r.number(v, key + ".output", 0, 1e6);
    if (auto v = e["cached_input"]) p.cached_input = r.number(v, key + ".cached_input", 0, 1e6);
    if (auto v = e["context_window"]) p.context_window = r.integer(v, key + ".context_window", 1, 1LL << 40);
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
    r.only_keys(m, key, {"name", "targets", "strategy", "fallbacks", "content_policy_fallback", "hedge", "tiers"});
    ModelConfig mc;
    mc.origin = r.at(m, key);
    if (!m["name"]) raise(r.at(m, key + ".name"), "is required");
    mc.name = r.str(m["name"], key + ".name");
    if (mc.name.empty()) raise(r.at(m["name"], key + ".name"), "must not be empty");
    if (!names.insert(mc.name).second)
      raise(r.at(m["name"], key + ".name"), fmt::format("duplicate model name \"{}\"", mc.name));
    read_group_routing(r, m, key, mc);
    auto targets = m["targets"];
    // A group routed by tier (strategy auto) may own no targets: its tiers' groups serve it.
    bool needs_targets = mc.tiers.empty();
    if (!targets && needs_targets) raise(r.at(m, key + ".targets"), "is required (a list of at least one target)");
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
  r.only_keys(root, "", {"server", "models", "routing", "prices"});
  if (auto s = root["server"]) read_server(r, s, cfg.server);
  if (auto v = root["routing"]) read_routing(r, v, cfg.routing);
  if (auto v = root["prices"]) read_prices(r, v, cfg.prices);
  if (auto m = root["models"]) read_models(r, m, cfg.models);
  if (cfg.models.empty()) throw ConfigError(fmt::format("{}:1: models: at least one model is required", source));
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

namespace {
constexpr std::pair<Strategy, std::string_view> kStrategies[] = {
    {Strategy::priority, "priority"}, {Strategy::weighted, "weighted"},     {Strategy::least_busy, "least_busy"},
    {Strategy::latency, "latency"},   {Strategy::cost, "cost"},             {Strategy::quality, "quality"},
    {Strategy::balanced, "balanced"}, {Strategy::local_first, "local_first"}, {Strategy::adaptive, "adaptive"},
    {Strategy::auto_tier, "auto"}};
}  // namespace

std::optional<Strategy> parse_strategy(std::string_view name) {
  for (auto [s, n] : kStrategies)
    if (n == name) return s;
  return std::nullopt;
}

std::string_view to_string(Strategy s) {
  for (auto [v, n] : kStrategies)
    if (v == s) return n;
  return "priority";
}

Config load_string(const std::string& yaml, const std::string& source_name) { return parse(yaml, source_name); }

Config load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("{}: cannot read the configuration file", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

Config builtin_defaults() {
  static const char* kDefaults = R"(server:
  listen: 127.0.0.1:4000
models:
  - name: mock
    targets:
      - provider: mock
        model: mock
)";
  Config cfg = parse(kDefaults, "<built-in defaults>");
  if (const char* key = std::getenv("OPENAI_API_KEY"); key && *key) {
    for (const char* m : {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o3", "o4-mini"}) {
      ModelConfig mc;
      mc.origin = {cfg.source, 0, "OPENAI_API_KEY"};
      mc.name = m;
      TargetConfig t;
      t.origin = mc.origin;
      t.provider = "openai";
      t.model = m;
      t.api_key = key;
      // The OpenAI SDKs' own variable for another base URL (a proxy, a compatible service).
      if (const char* base = std::getenv("OPENAI_BASE_URL"); base && *base) {
        t.api_base = base;
        while (!t.api_base.empty() && t.api_base.back() == '/') t.api_base.pop_back();
      }
      mc.targets.push_back(std::move(t));
      cfg.models.push_back(std::move(mc));
    }
  }
  return cfg;
}

}  // namespace modelmux::config
