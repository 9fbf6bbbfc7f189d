// The routing section of a configuration, and each model group's routing keys (strategy, fallbacks, tiers,
// hedging).
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "config/load.hpp"
#include "config/reader.hpp"

namespace modelmux::config {

void read_group_routing(const Reader& r, const YAML::Node& m, const std::string& key, ModelConfig& mc) {
  if (auto v = m["strategy"]) mc.strategy = r.strategy(v, key + ".strategy");
  if (auto v = m["fallbacks"]) mc.fallbacks = r.strings(v, key + ".fallbacks");
  if (auto v = m["content_policy_fallback"])
    mc.content_policy_fallback = r.str(v, key + ".content_policy_fallback");
  if (auto h = m["hedge"]) {
    std::string hk = key + ".hedge";
    r.require_map(h, hk);
    r.only_keys(h, hk, {"after_ms"});
    auto v = h["after_ms"];
    if (!v) raise(r.at(h, hk + ".after_ms"), "is required (milliseconds, or p95)");
    mc.hedge.enabled = true;
    if (v.IsScalar() && v.Scalar() == "p95")
      mc.hedge.after_p95 = true;
    else
      mc.hedge.after = r.millis(v, hk + ".after_ms");
  }
  if (auto t = m["tiers"]) {
    std::string tk = key + ".tiers";
    r.require_map(t, tk);
    r.only_keys(t, tk, {"simple", "moderate", "complex", "expert"});
    for (const auto& kv : t)
      mc.tiers[kv.first.as<std::string>()] = r.str(kv.second, tk + "." + kv.first.as<std::string>());
    if (mc.strategy && *mc.strategy != routing::Strategy::auto_tier)
      raise(r.at(t, tk), "is only used with strategy auto");
    mc.strategy = routing::Strategy::auto_tier;
  }
  if (mc.strategy == routing::Strategy::auto_tier && mc.tiers.empty())
    raise(r.at(m, key + ".tiers"), "is required with strategy auto (tier -> model group)");
}

void read_routing(const Reader& r, const YAML::Node& n, RoutingConfig& rc) {
  r.require_map(n, "routing");
  r.only_keys(n, "routing",
              {"default_strategy", "retries", "breaker", "balanced", "adaptive", "latency",
               "expected_output_tokens"});
  if (auto v = n["default_strategy"]) {
    rc.default_strategy = r.strategy(v, "routing.default_strategy");
    if (rc.default_strategy == routing::Strategy::auto_tier)
      raise(r.at(v, "routing.default_strategy"), "auto needs tiers, so it is set per model group");
  }
  if (auto v = n["expected_output_tokens"])
    rc.expected_output_tokens = r.integer(v, "routing.expected_output_tokens", 1, 10'000'000);
  if (auto t = n["retries"]) {
    r.require_map(t, "routing.retries");
    r.only_keys(t, "routing.retries",
                {"max_attempts", "max_retries", "backoff_base_ms", "backoff_max_ms", "max_retry_after_ms",
                 "attempt_timeout_ms"});
    auto& x = rc.retries;
    if (auto v = t["max_attempts"])
      x.max_attempts = static_cast<int>(r.integer(v, "routing.retries.max_attempts", 1, 100));
    if (auto v = t["max_retries"])
      x.max_retries = static_cast<int>(r.integer(v, "routing.retries.max_retries", 0, 100));
    if (auto v = t["backoff_base_ms"]) x.backoff_base = r.millis(v, "routing.retries.backoff_base_ms");
    if (auto v = t["backoff_max_ms"]) x.backoff_max = r.millis(v, "routing.retries.backoff_max_ms");
    if (auto v = t["max_retry_after_ms"])
      x.max_retry_after = r.millis(v, "routing.retries.max_retry_after_ms");
    if (auto v = t["attempt_timeout_ms"])
      x.attempt_timeout = r.millis(v, "routing.retries.attempt_timeout_ms");
  }
  if (auto b = n["breaker"]) {
    r.require_map(b, "routing.breaker");
    r.only_keys(b, "routing.breaker",
                {"consecutive_failures", "error_rate", "min_requests", "window_ms", "cooldown_ms",
                 "half_open_probes"});
    auto& x = rc.breaker;
    if (auto v = b["consecutive_failures"])
      x.consecutive_failures =
          static_cast<int>(r.integer(v, "routing.breaker.consecutive_failures", 1, 1'000'000));
    if (auto v = b["error_rate"]) x.error_rate = r.number(v, "routing.breaker.error_rate", 0.01, 1);
    if (auto v = b["min_requests"])
      x.min_requests = static_cast<int>(r.integer(v, "routing.breaker.min_requests", 1, 1'000'000));
    if (auto v = b["window_ms"]) x.window = r.millis(v, "routing.breaker.window_ms");
    if (auto v = b["cooldown_ms"]) x.cooldown = r.millis(v, "routing.breaker.cooldown_ms");
    if (auto v = b["half_open_probes"])
      x.half_open_probes = static_cast<int>(r.integer(v, "routing.breaker.half_open_probes", 1, 1000));
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
    if (auto v = a["exploration"])
      rc.adaptive_exploration = r.number(v, "routing.adaptive.exploration", 0, 1);
    if (auto v = a["half_life_ms"]) rc.adaptive_half_life = r.millis(v, "routing.adaptive.half_life_ms");
  }
  if (auto l = n["latency"]) {
    r.require_map(l, "routing.latency");
    r.only_keys(l, "routing.latency", {"half_life_ms"});
    if (auto v = l["half_life_ms"]) rc.latency_half_life = r.millis(v, "routing.latency.half_life_ms");
  }
}

}  // namespace modelmux::config
