// /admin/v1/keys, /users and /teams: create, list, read, change and delete; a key's secret is shown once,
// when it is created or rotated, and is never stored (only its SHA-256). Reading a record shows what its
// budget has spent in the current period.
#include <fmt/format.h>

#include <boost/json.hpp>

#include "core/json_util.hpp"
#include "surfaces/admin/governance_api.hpp"

namespace modelmux::surfaces::admin {
namespace {

namespace json = boost::json;
using namespace governance;

constexpr auto bad = json_util::invalid_field;

// Unix seconds `seconds` from `now_ms`. Records keep whole seconds: a period is rounded up, since one cut
// down to the second would end up to a second early (a one-second rotation grace could be over at once);
// none (a rotation with no grace) ends now.
std::int64_t seconds_from_now(std::int64_t now_ms, std::int64_t seconds) {
  return seconds == 0 ? now_ms / 1000 : (now_ms + 999) / 1000 + seconds;
}

// What a budget counter holds now, beside its record.
json::value spend_of(const AdminCall& call, const std::string& counter, const std::optional<Budget>& b) {
  if (!b) return nullptr;
  auto s = call.gov.counters().budget(counter, b->period, call.now);
  json::object o{{"period", to_string(b->period)},
                 {"limit_usd", b->usd},
                 {"spent_usd", s.spent},
                 {"reserved_usd", s.reserved},
                 {"remaining_usd", std::max(0.0, b->usd - s.spent - s.reserved)},
                 {"period_start", utc(s.period_start)}};
  o["resets_at"] = s.resets_at ? json::value(utc(s.resets_at)) : json::value(nullptr);
  return o;
}

Result<std::string> string_of(const json::object& o, std::string_view field, bool may_be_empty = true) {
  auto* v = o.if_contains(field);
  if (!v || v->is_null()) return std::string();
  if (!v->is_string() || (!may_be_empty && v->get_string().empty()))
    return bad(std::string(field),
               fmt::format("{} must be a{} string", field, may_be_empty ? "" : " non-empty"));
  return std::string(v->get_string());
}

// The fields a key, user or team share, applied when present (POST and PATCH alike).
template <class Record>
Result<void> apply_common(Record& r, const json::object& o) {
  if (o.contains("name")) {
    auto name = string_of(o, "name");
    if (!name) return std::unexpected(name.error());
    r.name = std::move(*name);
  }
  if (o.contains("budget")) {
    auto b = budget_from_json(o.if_contains("budget"), "budget");
    if (!b) return std::unexpected(b.error());
    r.budget = *b;
  }
  if (o.contains("limits")) {
    auto l = limits_from_json(o.if_contains("limits"), "limits");
    if (!l) return std::unexpected(l.error());
    r.limits = *l;
  }
  if (auto* m = o.if_contains("metadata")) {
    if (!m->is_object() && !m->is_null()) return bad("metadata", "metadata must be an object");
    r.metadata = m->is_object() ? m->get_object() : json::object{};
  }
  if constexpr (requires { r.models; }) {
    if (o.contains("models")) {
      auto models = strings_from_json(o.if_contains("models"), "models");
      if (!models) return std::unexpected(models.error());
      r.models = std::move(*models);
    }
  }
  if constexpr (requires { r.end_users; }) {
    if (o.contains("end_users")) {
      auto e = end_users_from_json(o.if_contains("end_users"), "end_users");
      if (!e) return std::unexpected(e.error());
      r.end_users = *e;
    }
  }
  return {};
}

Result<void> apply_key(const AdminCall& call, KeyRecord& k, const json::object& o) {
  if (auto ok = apply_common(k, o); !ok) return ok;
  const auto dir = call.gov.directory().get();
  if (o.contains("user_id")) {
    auto id = string_of(o, "user_id");
    if (!id) return std::unexpected(id.error());
    if (!id->empty() && !dir->user(*id))
      return bad("user_id", fmt::format("no user {} (create it first)", *id));
    k.user_id = std::move(*id);
  }
  if (o.contains("team_id")) {
    auto id = string_of(o, "team_id");
    if (!id) return std::unexpected(id.error());
    if (!id->empty() && !dir->team(*id))
      return bad("team_id", fmt::format("no team {} (create it first)", *id));
    k.team_id = std::move(*id);
  }
  if (o.contains("role")) {
    auto role = string_of(o, "role");
    auto r = role ? governance::role_from_string(*role) : std::nullopt;
    if (!r) return bad("role", "role must be user, viewer or admin");
    k.role = *r;
  }
  if (auto* v = o.if_contains("expires_at")) {
    auto t = v->is_null() ? std::optional<std::int64_t>() : json_util::as_integer(*v);
    if (!v->is_null() && (!t || *t < 0)) return bad("expires_at", "expires_at must be unix seconds or null");
    k.expires_at = t;
  }
  if (auto* v = o.if_contains("expires_in_seconds")) {
    auto t = json_util::as_integer(*v);
    if (!t || *t < 1) return bad("expires_in_seconds", "expires_in_seconds must be a positive integer");
    k.expires_at = seconds_from_now(call.now, *t);
  }
  if (auto* v = o.if_contains("blocked")) {
    if (!v->is_bool()) return bad("blocked", "blocked must be true or false");
    k.blocked = v->get_bool();
  }
  return {};
}

constexpr std::string_view kKeyFields[] = {"name",
                                           "user_id",
                                           "team_id",
                                           "role",
                                           "models",
                                           "budget",
                                           "limits",
                                           "end_users",
                                           "expires_at",
                                           "blocked",
                                           "expires_in_seconds",
                                           "metadata"};
constexpr std::string_view kRotateFields[] = {"grace_seconds"};
constexpr std::string_view kUserFields[] = {"id", "name", "budget", "limits", "metadata"};
constexpr std::string_view kTeamFields[] = {"id",     "name",      "models",  "budget",
                                            "limits", "end_users", "metadata"};

json::object key_json(const AdminCall& call, const KeyRecord& k) {
  json::object o = to_json(k);
  o["spend"] = spend_of(call, "key:" + k.id, k.budget);
  return o;
}

Result<AdminReply> rotate(const AdminCall& call, KeyRecord k) {
  auto body = body_object(call, kRotateFields);
  if (!body) return std::unexpected(body.error());
  std::int64_t grace = 86'400;
  if (auto* v = body->if_contains("grace_seconds")) {
    auto g = json_util::as_integer(*v);
    if (!g || *g < 0 || *g > 365LL * 86'400)
      return bad("grace_seconds", "grace_seconds must be 0 to 31536000");
    grace = *g;
  }
  std::string secret = new_secret();
  k.previous_hash = k.hash;
  k.previous_expires_at = seconds_from_now(call.now, grace);
  k.rotated_at = call.now / 1000;
  k.hash = hash_secret(secret);
  if (auto ok = call.gov.store().put_key(k); !ok) return std::unexpected(ok.error());
  if (auto ok = changed(call, "key.rotate", k.id, fmt::format("grace {} s", grace)); !ok)
    return std::unexpected(ok.error());
  json::object o = key_json(call, k);
  o["key"] = secret;
  return AdminReply{200, std::move(o)};
}

}  // namespace

Result<AdminReply> keys_api(const AdminCall& call) {
  const auto dir = call.gov.directory().get();
  auto parts = call.parts;
  if (parts.size() == 1) {
    if (call.method == "GET") {
      json::array data;
      for (const auto& k : dir->keys()) data.push_back(key_json(call, k));
      return AdminReply{200, json::object{{"object", "list"}, {"data", std::move(data)}}};
    }
    if (call.method != "POST") return std::unexpected(bad_method(call));
    auto body = body_object(call, kKeyFields);
    if (!body) return std::unexpected(body.error());
    KeyRecord k;
    k.id = new_id("key_");
    k.created_at = call.now / 1000;
    if (auto ok = apply_key(call, k, *body); !ok) return std::unexpected(ok.error());
    std::string secret = new_secret();
    k.hash = hash_secret(secret);
    if (auto ok = call.gov.store().put_key(k); !ok) return std::unexpected(ok.error());
    if (auto ok = changed(call, "key.create", k.id); !ok) return std::unexpected(ok.error());
    json::object o = key_json(call, k);
    o["key"] = secret;  // shown once: only its hash is kept
    return AdminReply{201, std::move(o)};
  }
  const KeyRecord* found = dir->key(parts[1]);
  if (!found) return std::unexpected(not_found("key", parts[1]));
  KeyRecord k = *found;
  if (parts.size() == 3 && parts[2] == "rotate") {
    if (call.method != "POST") return std::unexpected(bad_method(call));
    return rotate(call, std::move(k));
  }
  if (parts.size() != 2) return std::unexpected(not_found("path", "under /admin/v1/keys"));
  if (call.method == "GET") return AdminReply{200, key_json(call, k)};
  if (call.method == "PATCH") {
    auto body = body_object(call, kKeyFields);
    if (!body) return std::unexpected(body.error());
    if (auto ok = apply_key(call, k, *body); !ok) return std::unexpected(ok.error());
    if (auto ok = call.gov.store().put_key(k); !ok) return std::unexpected(ok.error());
    if (auto ok = changed(call, "key.update", k.id, json::serialize(*body)); !ok)
      return std::unexpected(ok.error());
    return AdminReply{200, key_json(call, k)};
  }
  if (call.method == "DELETE") {
    if (auto ok = call.gov.store().delete_key(k.id); !ok) return std::unexpected(ok.error());
    if (auto ok = changed(call, "key.delete", k.id); !ok) return std::unexpected(ok.error());
    return AdminReply{200, json::object{{"id", k.id}, {"deleted", true}}};
  }
  return std::unexpected(bad_method(call));
}

namespace {

// Users and teams: the same five operations over their own records.
template <class Record>
struct Collection {
  std::string_view kind;    // "user"
  std::string_view prefix;  // "user_"
  std::span<const std::string_view> fields;
  const Record* (Directory::*find)(std::string_view) const;
  const std::vector<Record>& (Directory::*all)() const;
  Result<void> (store::Store::*put)(const Record&);
  Result<void> (store::Store::*erase)(const std::string&);
  std::string (*counter)(const std::string& id);
  std::string_view key_field;  // the keys that belong to one name it here
};

template <class Record>
json::object record_json(const AdminCall& call, const Collection<Record>& c, const Record& r) {
  json::object o = to_json(r);
  o["spend"] = spend_of(call, c.counter(r.id), r.budget);
  return o;
}

template <class Record>
Result<AdminReply> collection_api(const AdminCall& call, const Collection<Record>& c) {
  const auto dir = call.gov.directory().get();
  auto parts = call.parts;
  auto& st = call.gov.store();
  if (parts.size() == 1) {
    if (call.method == "GET") {
      json::array data;
      for (const auto& r : ((*dir).*c.all)()) data.push_back(record_json(call, c, r));
      return AdminReply{200, json::object{{"object", "list"}, {"data", std::move(data)}}};
    }
    if (call.method != "POST") return std::unexpected(bad_method(call));
    auto body = body_object(call, c.fields);
    if (!body) return std::unexpected(body.error());
    Record r;
    auto id = string_of(*body, "id");
    if (!id) return std::unexpected(id.error());
    r.id = id->empty() ? new_id(c.prefix) : std::move(*id);
    if (r.id.size() > 128 || r.id.find_first_of(":/ \t\r\n") != std::string::npos)
      return bad("id", "id must be at most 128 characters, without spaces, ':' or '/'");
    if (((*dir).*c.find)(r.id)) {
      auto e = Error::make(ErrorCode::conflict, fmt::format("{} {} already exists", c.kind, r.id), "id");
      return std::unexpected(e);
    }
    r.created_at = call.now / 1000;
    body->erase("id");
    if (auto ok = apply_common(r, *body); !ok) return std::unexpected(ok.error());
    if (auto ok = (st.*c.put)(r); !ok) return std::unexpected(ok.error());
    if (auto ok = changed(call, fmt::format("{}.create", c.kind), r.id); !ok)
      return std::unexpected(ok.error());
    return AdminReply{201, record_json(call, c, r)};
  }
  if (parts.size() != 2)
    return std::unexpected(not_found("path", fmt::format("under /admin/v1/{}s", c.kind)));
  const Record* found = ((*dir).*c.find)(parts[1]);
  if (!found) return std::unexpected(not_found(c.kind, parts[1]));
  Record r = *found;
  if (call.method == "GET") return AdminReply{200, record_json(call, c, r)};
  if (call.method == "PATCH") {
    auto body = body_object(call, c.fields);
    if (!body) return std::unexpected(body.error());
    if (body->contains("id")) return bad("id", "an id cannot change");
    if (auto ok = apply_common(r, *body); !ok) return std::unexpected(ok.error());
    if (auto ok = (st.*c.put)(r); !ok) return std::unexpected(ok.error());
    if (auto ok = changed(call, fmt::format("{}.update", c.kind), r.id, json::serialize(*body)); !ok)
      return std::unexpected(ok.error());
    return AdminReply{200, record_json(call, c, r)};
  }
  if (call.method == "DELETE") {
    // Keys that belong to it would silently lose their user's or team's budget: refused until they move.
    std::string owned;
    for (const auto& k : dir->keys())
      if ((c.key_field == "user_id" ? k.user_id : k.team_id) == r.id)
        owned += (owned.empty() ? "" : ", ") + k.id;
    if (!owned.empty())
      return std::unexpected(Error::make(
          ErrorCode::conflict,
          fmt::format("{} {} still has keys ({}): delete them or move them first", c.kind, r.id, owned)));
    if (auto ok = (st.*c.erase)(r.id); !ok) return std::unexpected(ok.error());
    if (auto ok = changed(call, fmt::format("{}.delete", c.kind), r.id); !ok)
      return std::unexpected(ok.error());
    return AdminReply{200, json::object{{"id", r.id}, {"deleted", true}}};
  }
  return std::unexpected(bad_method(call));
}

}  // namespace

Result<AdminReply> users_api(const AdminCall& call) {
  static const Collection<UserRecord> users{"user",
                                            "user_",
                                            kUserFields,
                                            &Directory::user,
                                            &Directory::users,
                                            &store::Store::put_user,
                                            &store::Store::delete_user,
                                            [](const std::string& id) { return "user:" + id; },
                                            "user_id"};
  return collection_api(call, users);
}

Result<AdminReply> teams_api(const AdminCall& call) {
  static const Collection<TeamRecord> teams{"team",
                                            "team_",
                                            kTeamFields,
                                            &Directory::team,
                                            &Directory::teams,
                                            &store::Store::put_team,
                                            &store::Store::delete_team,
                                            [](const std::string& id) { return "team:" + id; },
                                            "team_id"};
  return collection_api(call, teams);
}

}  // namespace modelmux::surfaces::admin
