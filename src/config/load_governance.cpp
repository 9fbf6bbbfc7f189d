// The governance keys of a configuration: the `auth` and `store` sections, and the budgets and limits a
// target (its upstream's quota) or a model group (all its clients together) may carry.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "config/load.hpp"
#include "config/reader.hpp"

namespace modelmux::config {

governance::Budget read_budget(const Reader& r, const YAML::Node& n, const std::string& key) {
  r.require_map(n, key);
  r.only_keys(n, key, {"usd", "period", "soft_usd"});
  governance::Budget b;
  if (!n["usd"]) raise(r.at(n, key + ".usd"), "is required (dollars per period)");
  b.usd = r.number(n["usd"], key + ".usd", 0, 1e12);
  if (auto v = n["period"]) {
    auto p = governance::period_from_string(r.str(v, key + ".period"));
    if (!p) raise(r.at(v, key + ".period"), "must be day, week, month or total");
    b.period = *p;
  }
  if (auto v = n["soft_usd"]) b.soft_usd = r.number(v, key + ".soft_usd", 0, 1e12);
  return b;
}

governance::Limits read_limits(const Reader& r, const YAML::Node& n, const std::string& key, bool parallel) {
  r.require_map(n, key);
  if (parallel)
    r.only_keys(n, key, {"rpm", "tpm", "parallel"});
  else
    r.only_keys(n, key, {"rpm", "tpm"});
  governance::Limits l;
  if (auto v = n["rpm"]) l.rpm = r.integer(v, key + ".rpm", 1, 1LL << 40);
  if (auto v = n["tpm"]) l.tpm = r.integer(v, key + ".tpm", 1, 1LL << 50);
  if (auto v = n["parallel"]) l.parallel = r.integer(v, key + ".parallel", 1, 1LL << 30);
  return l;
}

void read_auth(const Reader& r, const YAML::Node& n, AuthConfig& a) {
  r.require_map(n, "auth");
  r.only_keys(
      n, "auth",
      {"mode", "master_key", "on_budget_exceeded", "reservation_lease_ms", "default_max_output_tokens"});
  a.present = true;
  a.keys = true;
  if (auto v = n["mode"]) {
    std::string mode = r.str(v, "auth.mode");
    if (mode == "none")
      a.keys = false;
    else if (mode != "keys")
      raise(r.at(v, "auth.mode"), fmt::format("\"{}\" is not one of: keys, none", mode));
  }
  if (auto v = n["master_key"]) a.master_key = r.header_safe(v, "auth.master_key");
  if (a.keys && a.master_key.size() < 16)
    raise(r.at(n["master_key"] ? n["master_key"] : n, "auth.master_key"),
          "is required with mode keys, at least 16 characters (e.g. ${MODELMUX_MASTER_KEY})");
  if (auto v = n["on_budget_exceeded"]) {
    std::string p = r.str(v, "auth.on_budget_exceeded");
    if (p == "refuse")
      a.refuse_over_budget = true;
    else if (p != "cap")
      raise(r.at(v, "auth.on_budget_exceeded"), fmt::format("\"{}\" is not one of: cap, refuse", p));
  }
  if (auto v = n["reservation_lease_ms"]) a.lease = r.millis(v, "auth.reservation_lease_ms");
  if (auto v = n["default_max_output_tokens"])
    a.default_max_output = r.integer(v, "auth.default_max_output_tokens", 1, 1LL << 30);
}

void read_store(const Reader& r, const YAML::Node& n, StoreConfig& s) {
  r.require_map(n, "store");
  r.only_keys(n, "store", {"sqlite", "retention_days"});
  s.present = true;
  if (auto v = n["sqlite"]) s.sqlite = r.str(v, "store.sqlite");
  if (auto v = n["retention_days"])
    s.retention_days = static_cast<int>(r.integer(v, "store.retention_days", 0, 100'000));
}

}  // namespace modelmux::config
