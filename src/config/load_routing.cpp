// The routing section of a configuration, and each model group's routing keys (strategy, fallbacks, auto,
// hedging).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "config/load.hpp"
#include "config/reader.hpp"
#include "routing/learned_router.hpp"

namespace modelmux::config {

namespace {

// `tiers:` (the hand-tuned complexity classifier's) no longer exists: the error writes the `auto:` section
// that replaces it, from the groups the tiers named.
std::string tiers_migration(const Reader& r, const YAML::Node& t, const std::string& key) {
  std::vector<std::string> groups;
  if (t.IsMap())
    for (const char* tier : {"simple", "moderate", "complex", "expert"})
      if (auto g = t[tier]; g && g.IsScalar()) {
        auto name = r.str(g, key + ".tiers." + tier);
        if (std::find(groups.begin(), groups.end(), name) == groups.end()) groups.push_back(name);
      }
  std::string section = "auto: {weak: CHEAP_GROUP, strong: STRONG_GROUP, strong_share: 0.3}";
  if (groups.size() == 2)
    section = fmt::format("auto: {{weak: {}, strong: {}, strong_share: 0.3}}", groups[0], groups[1]);
  else if (groups.size() > 2)
    section = fmt::format("auto: {{groups: [{}], quality_floor: 0.05}}", fmt::join(groups, ", "));
  return fmt::format(
      "the complexity tiers are replaced by the learned router: write `{}` instead (strong_share: the share "
      "of typical prompts sent to the strong group; or threshold: T, or quality_floor: F; see README, "
      "Routing)",
      section);
}

AutoConfig read_auto(const Reader& r, const YAML::Node& a, const std::string& key) {
  r.require_map(a, key);
  r.only_keys(a, key, {"strong", "weak", "groups", "threshold", "strong_share", "quality_floor"});
  AutoConfig ac;
  ac.origin = r.at(a, key);
  if (auto v = a["strong"]) ac.strong = r.str(v, key + ".strong");
  if (auto v = a["weak"]) ac.weak = r.str(v, key + ".weak");
  if (auto v = a["groups"]) ac.groups = r.strings(v, key + ".groups");
  if (auto v = a["threshold"]) ac.threshold = r.number(v, key + ".threshold", 0, 1);
  if (auto v = a["strong_share"]) ac.strong_share = r.number(v, key + ".strong_share", 0, 1);
  if (auto v = a["quality_floor"]) ac.quality_floor = r.number(v, key + ".quality_floor", 0, 1);
  bool pair = !ac.strong.empty() || !ac.weak.empty();
  if (pair && !ac.groups.empty()) raise(ac.origin, "takes either strong and weak, or groups, not both");
  if (pair && (ac.strong.empty() || ac.weak.empty()))
    raise(ac.origin, "needs both strong and weak (model groups)");
  if (!pair && ac.groups.size() < 2)
    raise(ac.origin, "needs strong and weak, or groups: [two or more model groups]");
  if (ac.groups.size() > routing::kMaxAutoGroups)
    raise(r.at(a["groups"], key + ".groups"), fmt::format("at most {} groups", routing::kMaxAutoGroups));
  if (ac.strong == ac.weak && pair) raise(ac.origin, "strong and weak must be different groups");
  int rules = ac.threshold.has_value() + ac.strong_share.has_value() + ac.quality_floor.has_value();
  if (pair && rules != 1) raise(ac.origin, "needs exactly one of threshold, strong_share, quality_floor");
  if (!pair && (!ac.quality_floor || rules != 1))
    raise(ac.origin,
          "with groups needs quality_floor (and no threshold or strong_share, which are a pair's)");
  return ac;
}

}  // namespace

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
  if (auto t = m["tiers"]) raise(r.at(t, key + ".tiers"), tiers_migration(r, t, key));
  if (auto a = m["auto"]) {
    if (mc.strategy && *mc.strategy != routing::Strategy::auto_route)
      raise(r.at(a, key + ".auto"), "is only used with strategy auto");
    mc.strategy = routing::Strategy::auto_route;
    mc.auto_route = read_auto(r, a, key + ".auto");
  }
  if (mc.strategy == routing::Strategy::auto_route && !mc.auto_route)
    raise(r.at(m, key + ".auto"),
          "is required with strategy auto, e.g. auto: {weak: GROUP, strong: GROUP, strong_share: 0.3}");
}

void read_routing(const Reader& r, const YAML::Node& n, RoutingConfig& rc) {
  r.require_map(n, "routing");
  r.only_keys(n, "routing",
              {"default_strategy", "retries", "breaker", "balanced", "adaptive", "latency",
               "expected_output_tokens"});
  if (auto v = n["default_strategy"]) {
    rc.default_strategy = r.strategy(v, "routing.default_strategy");
    if (rc.default_strategy == routing::Strategy::auto_route)
      raise(r.at(v, "routing.default_strategy"), "auto needs an auto: section, so it is set per model group");
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
