#include "governance/governor.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>

#include "core/digest.hpp"
#include "providers/provider.hpp"
#include "routing/catalog.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace modelmux::governance {

Millis now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string store_path(const config::Config& cfg) {
  if (!cfg.store.sqlite.empty()) return cfg.store.sqlite;
  std::filesystem::path source(cfg.source);
  if (cfg.source.empty() || cfg.source.front() == '<' || !source.has_parent_path()) return "modelmux.db";
  return (source.parent_path() / "modelmux.db").string();
}

std::string utc(Millis ms) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::sys_seconds(std::chrono::seconds(ms / 1000)));
}

std::unique_ptr<Governor> Governor::open(const config::Config& cfg) {
  if (!cfg.auth.present && !cfg.store.present) return nullptr;
  return std::make_unique<Governor>(cfg, std::make_unique<store::SqliteStore>(store_path(cfg)));
}

Governor::Governor(const config::Config& cfg, std::unique_ptr<store::Store> store)
    : auth_(cfg.auth), store_(std::move(store)) {
  store::Store* st = store_.get();
  counters_ = std::make_unique<LocalCounters>([st](const std::string& counter, Millis period_start) {
    auto spent = st->spent(counter, period_start);
    // A store that cannot be read must not make a budget look empty: the request path then refuses.
    return spent ? *spent : std::numeric_limits<double>::infinity();
  });
  if (auto r = reload(); !r) throw std::runtime_error(r.error().message);
  auto keyring = Keyring::from_env();
  if (!keyring) throw std::runtime_error(keyring.error().message);
  vault_ = std::make_unique<Vault>(*store_, std::move(*keyring));
  if (cfg.store.retention_days > 0) {
    Millis cutoff = now_ms() - static_cast<Millis>(cfg.store.retention_days) * 86'400'000;
    (void)store_->forget_before(cutoff);
  }
}

Governor::~Governor() {
  close();
}

void Governor::close() {
  if (store_) store_->close();
}

Result<void> Governor::reload() {
  auto keys = store_->keys();
  if (!keys) return std::unexpected(keys.error());
  auto users = store_->users();
  if (!users) return std::unexpected(users.error());
  auto teams = store_->teams();
  if (!teams) return std::unexpected(teams.error());
  directory_.set(std::make_shared<const Directory>(std::move(*keys), std::move(*users), std::move(*teams)));
  return {};
}

bool Governor::is_master(std::string_view secret) const {
  return !auth_.master_key.empty() && digest::equal(secret, auth_.master_key);
}

Result<Identity> Governor::authenticate(std::string_view secret, Millis now) const {
  if (!auth_.keys) return Identity{};
  if (secret.empty())
    return fail(ErrorCode::invalid_api_key,
                "No API key provided: send a modelmux key as Authorization: Bearer <key>, x-api-key or "
                "x-goog-api-key");
  if (is_master(secret)) return Identity{.master = true};
  auto dir = directory_.get();
  bool previous = false;
  const KeyRecord* k = dir->find_secret(secret, &previous);
  if (!k) return fail(ErrorCode::invalid_api_key, "Incorrect API key provided");
  if (k->blocked) return fail(ErrorCode::invalid_api_key, fmt::format("The API key {} is blocked", k->id));
  if (k->expires_at && *k->expires_at * 1000 <= now)
    return fail(ErrorCode::invalid_api_key,
                fmt::format("The API key {} expired at {}", k->id, utc(*k->expires_at * 1000)));
  if (previous && (!k->previous_expires_at || *k->previous_expires_at * 1000 <= now))
    return fail(ErrorCode::invalid_api_key,
                fmt::format("The API key {} was rotated; the previous secret's grace period ended at {}",
                            k->id, utc(k->previous_expires_at.value_or(0) * 1000)));
  Identity who{.directory = dir, .key = k};
  if (!k->user_id.empty()) who.user = dir->user(k->user_id);
  if (!k->team_id.empty()) who.team = dir->team(k->team_id);
  return who;
}

Scopes Governor::scopes(const Identity& who, std::string_view end_user) {
  Scopes s;
  if (!who.key) return s;
  s.key = who.key->counter;
  if (who.user) s.user = who.user->counter;
  if (who.team) s.team = who.team->counter;
  if (!end_user.empty()) {
    const auto& k = who.key->end_users;
    if (k.budget || k.limits.any()) s.end_user_of_key = fmt::format("eu:key:{}:{}", who.key->id, end_user);
    if (who.team && (who.team->end_users.budget || who.team->end_users.limits.any()))
      s.end_user_of_team = fmt::format("eu:team:{}:{}", who.team->id, end_user);
  }
  return s;
}

namespace {

void add_limits(Ask& ask, std::string_view counter, const Limits& l, bool parallel) {
  if (counter.empty()) return;
  if (l.rpm) ask.claims.push_back({.meter = Meter::requests, .counter = counter, .limit = double(*l.rpm)});
  if (l.tpm) ask.claims.push_back({.meter = Meter::tokens, .counter = counter, .limit = double(*l.tpm)});
  if (parallel && l.parallel)
    ask.claims.push_back({.meter = Meter::parallel, .counter = counter, .limit = double(*l.parallel)});
}

void add_budget(Ask& ask, std::string_view counter, const std::optional<Budget>& b) {
  if (counter.empty() || !b) return;
  ask.claims.push_back(
      {.meter = Meter::usd, .counter = counter, .limit = b->usd, .period = b->period, .soft = b->soft_usd});
}

}  // namespace

void Governor::admission_claims(const Identity& who, const Scopes& s, const routing::ModelGroup& group,
                                Ask& ask) {
  if (who.key) {
    add_limits(ask, s.key, who.key->limits, true);
    if (who.user) add_limits(ask, s.user, who.user->limits, true);
    if (who.team) add_limits(ask, s.team, who.team->limits, true);
    add_limits(ask, s.end_user_of_key, who.key->end_users.limits, true);
    if (who.team) add_limits(ask, s.end_user_of_team, who.team->end_users.limits, true);
  }
  if (group.limits.any()) add_limits(ask, group.counter, group.limits, true);
}

void Governor::attempt_claims(const Identity& who, const Scopes& s, const providers::Target& target,
                              Ask& ask) {
  if (who.key) {
    add_budget(ask, s.key, who.key->budget);
    if (who.user) add_budget(ask, s.user, who.user->budget);
    if (who.team) add_budget(ask, s.team, who.team->budget);
    add_budget(ask, s.end_user_of_key, who.key->end_users.budget);
    if (who.team) add_budget(ask, s.end_user_of_team, who.team->end_users.budget);
  }
  if (target.cfg.budget || target.cfg.limits.any()) {
    add_budget(ask, target.counter, target.cfg.budget);
    add_limits(ask, target.counter, target.cfg.limits, false);
  }
}

}  // namespace modelmux::governance
