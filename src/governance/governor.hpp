// Governance as the request path sees it: who a presented key is, which counters a request must fit
// (its key's, user's, team's, end user's, model group's and, per attempt, its target's), and the store
// where keys live and the spend ledger is written. One Governor serves the whole process; the pipeline's
// auth, admit and settle stages and each attempt call it (pipeline/stages/).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "governance/counters.hpp"
#include "governance/directory.hpp"
#include "governance/vault.hpp"
#include "modelmux/error.hpp"
#include "store/store.hpp"

namespace modelmux::providers {
struct Target;
}
namespace modelmux::routing {
struct ModelGroup;
}

namespace modelmux::governance {

Millis now_ms();
// "2026-12-01T00:00:00Z"
std::string utc(Millis ms);

// Who sent a request, as its key says. Empty on an open gateway.
struct Identity {
  std::shared_ptr<const Directory> directory;  // keeps the records below alive
  const KeyRecord* key = nullptr;
  const UserRecord* user = nullptr;
  const TeamRecord* team = nullptr;
  bool master = false;  // the master key: every right, no budget of its own
};

// A reservation held until it is settled; dropped unsettled (a request that ended without an answer), it
// charges nothing and frees what it held.
class Hold {
 public:
  Hold() = default;
  Hold(Counters* counters, Grant grant) : counters_(counters), grant_(std::move(grant)) {}
  Hold(Hold&& o) noexcept : counters_(std::exchange(o.counters_, nullptr)), grant_(std::move(o.grant_)) {}
  Hold& operator=(Hold&& o) noexcept {
    if (this != &o) {
      settle(0, 0);
      counters_ = std::exchange(o.counters_, nullptr);
      grant_ = std::move(o.grant_);
    }
    return *this;
  }
  ~Hold() { settle(0, 0); }

  explicit operator bool() const { return counters_ != nullptr; }
  const Grant& grant() const { return grant_; }
  // The budgets the grant charged (for the request's ledger row, which keeps totals by them).
  const Charges& budgets() const { return grant_.budgets; }
  // Charges `usd` and `tokens` at `now`; returns the soft limits that crossed. Only the first call counts.
  std::vector<Alert> settle(double usd, std::int64_t tokens, Millis now) {
    if (!counters_) return {};
    return std::exchange(counters_, nullptr)->settle(grant_.id, usd, tokens, now);
  }
  std::vector<Alert> settle(double usd, std::int64_t tokens) {
    return counters_ ? settle(usd, tokens, now_ms()) : std::vector<Alert>{};
  }
  // Two holds settled at once, in one call when the same counters hold both (a request's admission and its
  // answering attempt, as it ends).
  friend std::vector<Alert> settle_both(Hold& a, double usd_a, std::int64_t tokens_a, Hold& b, double usd_b,
                                        std::int64_t tokens_b, Millis now) {
    if (!a.counters_ || a.counters_ != b.counters_) {
      auto alerts = a.settle(usd_a, tokens_a, now);
      for (auto& x : b.settle(usd_b, tokens_b, now)) alerts.push_back(std::move(x));
      return alerts;
    }
    const Counters::Settlement both[] = {{a.grant_.id, usd_a, tokens_a}, {b.grant_.id, usd_b, tokens_b}};
    b.counters_ = nullptr;
    return std::exchange(a.counters_, nullptr)->settle(both, now);
  }

 private:
  Counters* counters_ = nullptr;
  Grant grant_;
};

// The counters a request's scopes name (empty when absent): its key's, user's and team's live in the
// directory its Identity holds; its end user's are made for it.
struct Scopes {
  std::string_view key, user, team;
  std::string end_user_of_key, end_user_of_team;
};

// What governance knows of one request (pipeline::Context::gov).
struct Ticket {
  Millis at = 0;  // when the request started (wall clock): the budget period it is charged to
  Identity who;
  Scopes scopes;
  std::string end_user;
  Hold admission;                      // its requests, tokens and parallel slots
  RateState requests, tokens;          // the tightest limits it fit: OpenAI's x-ratelimit-* headers
  std::int64_t capped_max_tokens = 0;  // a budget lowered max_tokens to this (x-modelmux-max-tokens-capped)
  // A rate-limit refusal's exact wait (retry-after-ms; Retry-After has whole seconds). Mutable: an attempt,
  // which sees the request read-only, may be the one refused.
  mutable Millis retry_after_ms = 0;
  // The stored credential the last request sent upstream carried (the ledger records every use).
  mutable std::string_view credential;
};

// The database file: as configured, else modelmux.db beside the configuration file, else in the working
// directory (built-in defaults).
std::string store_path(const config::Config& cfg);

class Governor {
 public:
  // Governance for `cfg`, or null when the configuration asks for none (no `auth`, no `store`). Opens the
  // store (creating it) and loads keys, users and teams; throws std::runtime_error when it cannot.
  static std::unique_ptr<Governor> open(const config::Config& cfg);
  Governor(const config::Config& cfg, std::unique_ptr<store::Store> store);
  ~Governor();

  bool keys_required() const { return auth_.keys; }
  const config::AuthConfig& auth() const { return auth_; }

  // The identity `secret` gives, or 401 invalid_api_key naming why (unknown, blocked, expired, retired).
  // The master key is everyone's superuser; an open gateway accepts anything, or nothing.
  Result<Identity> authenticate(std::string_view secret, Millis now) const;
  bool is_master(std::string_view secret) const;

  // Counter names of a request's scopes.
  static Scopes scopes(const Identity& who, std::string_view end_user);
  // Rate-limit claims (requests, tokens, parallel) of a request's scopes and its model group.
  static void admission_claims(const Identity& who, const Scopes& s, const routing::ModelGroup& group,
                               Ask& ask);
  // Budget claims of a request's scopes and a target's own budget and quota.
  static void attempt_claims(const Identity& who, const Scopes& s, const providers::Target& target, Ask& ask);

  Counters& counters() { return *counters_; }
  store::Store& store() { return *store_; }
  Vault& vault() { return *vault_; }
  const DirectoryHolder& directory() const { return directory_; }
  // Reads keys, users and teams from the store again (after the admin API changed them).
  Result<void> reload();
  // Commits what the ledger has queued and stops its writer: called once the server has stopped, while its
  // executors still exist (a queued row's completion goes to one).
  void close();

 private:
  config::AuthConfig auth_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Counters> counters_;
  DirectoryHolder directory_;
  std::unique_ptr<Vault> vault_;
};

}  // namespace modelmux::governance
