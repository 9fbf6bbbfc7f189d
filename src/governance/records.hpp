// Who may call the gateway and within what: virtual keys, users and teams, with their allowed models,
// budgets and rate limits, as the store keeps them and the admin API shows them (never a key's secret: only
// its SHA-256 is kept).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelmux/error.hpp"

namespace modelmux::governance {

enum class Role : std::uint8_t { user, viewer, admin };
std::string_view to_string(Role r);
std::optional<Role> role_from_string(std::string_view s);

// A budget's period; every one but `total` restarts at its boundary in UTC (weeks on Mondays).
enum class Period : std::uint8_t { day, week, month, total };
std::string_view to_string(Period p);
std::optional<Period> period_from_string(std::string_view s);
// When the period holding `unix_seconds` started, and when the next one starts (0 for `total`).
std::int64_t period_start(Period p, std::int64_t unix_seconds);
std::int64_t period_end(Period p, std::int64_t unix_seconds);

struct Budget {
  double usd = 0;  // spend allowed per period
  Period period = Period::month;
  std::optional<double> soft_usd;  // crossing it only raises an alert
};

struct Limits {
  std::optional<std::int64_t> rpm;  // requests admitted in any 60 s
  std::optional<std::int64_t> tpm;  // tokens in any 60 s (reserved from the estimate, settled to the count)
  std::optional<std::int64_t> parallel;  // requests in flight at once
  bool any() const { return rpm || tpm || parallel; }
};

// What end users (the request's own user id) of a key or team may spend and send, each on their own.
struct EndUserDefaults {
  std::optional<Budget> budget;
  Limits limits;
};

struct KeyRecord {
  std::string id;       // public: key_<hex>, what logs, limits and the admin API name
  std::string counter;  // "key:<id>", its budget's and limits' counter (set by the Directory, not stored)
  std::string hash;     // SHA-256 (hex) of the secret
  std::string name;
  std::string user_id, team_id;
  Role role = Role::user;
  std::vector<std::string> models;  // model groups it may use (`*` globs); empty: every one
  std::optional<Budget> budget;
  Limits limits;
  EndUserDefaults end_users;
  std::optional<std::int64_t> expires_at;  // unix seconds
  bool blocked = false;
  boost::json::object metadata;
  std::int64_t created_at = 0;
  // Rotation gives the key a new secret and keeps everything else (its id, budget, limits, ledger); the
  // previous secret keeps working until `previous_expires_at` (unix seconds), its grace period.
  std::string previous_hash;
  std::optional<std::int64_t> previous_expires_at;
  std::optional<std::int64_t> rotated_at;
};

struct UserRecord {
  std::string id;
  std::string counter;  // "user:<id>" (set by the Directory, not stored)
  std::string name;
  std::optional<Budget> budget;
  Limits limits;
  boost::json::object metadata;
  std::int64_t created_at = 0;
};

struct TeamRecord {
  std::string id;
  std::string counter;  // "team:<id>" (set by the Directory, not stored)
  std::string name;
  std::vector<std::string> models;  // what the team's keys may use at most; empty: every model
  std::optional<Budget> budget;
  Limits limits;
  EndUserDefaults end_users;
  boost::json::object metadata;
  std::int64_t created_at = 0;
};

// Whether `model` is one of `allowed` (exact names or `*` globs); an empty list allows every model.
bool model_allowed(const std::vector<std::string>& allowed, std::string_view model);

// JSON both ways, for the store's rows and the admin API (which checks every field and names the bad one).
boost::json::object to_json(const Budget& b);
boost::json::object to_json(const Limits& l);
boost::json::object to_json(const KeyRecord& k);  // without the hashes
boost::json::object to_json(const UserRecord& u);
boost::json::object to_json(const TeamRecord& t);
Result<std::optional<Budget>> budget_from_json(const boost::json::value* v, std::string_view field);
Result<Limits> limits_from_json(const boost::json::value* v, std::string_view field);
Result<EndUserDefaults> end_users_from_json(const boost::json::value* v, std::string_view field);
// The records back from what to_json wrote (the store's rows); a key's hash is kept apart.
Result<KeyRecord> key_from_json(const boost::json::object& o);
Result<UserRecord> user_from_json(const boost::json::object& o);
Result<TeamRecord> team_from_json(const boost::json::object& o);
// A list of strings (model names); errors name `field`.
Result<std::vector<std::string>> strings_from_json(const boost::json::value* v, std::string_view field);

}  // namespace modelmux::governance
