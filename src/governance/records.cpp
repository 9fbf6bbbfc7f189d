#include "governance/records.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <chrono>

#include "core/json_util.hpp"

namespace json = boost::json;

namespace modelmux::governance {
namespace {

constexpr auto bad = json_util::invalid_field;

constexpr std::pair<Role, std::string_view> kRoles[] = {
    {Role::user, "user"}, {Role::viewer, "viewer"}, {Role::admin, "admin"}};
constexpr std::pair<Period, std::string_view> kPeriods[] = {
    {Period::day, "day"}, {Period::week, "week"}, {Period::month, "month"}, {Period::total, "total"}};

// `pattern` with `*` matching any run of characters.
bool glob(std::string_view pattern, std::string_view s) {
  std::size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < s.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = i;
    } else if (p < pattern.size() && pattern[p] == s[i]) {
      ++p;
      ++i;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Result<std::optional<std::int64_t>> positive(const json::object& o, std::string_view key,
                                             std::string_view field) {
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<std::int64_t>();
  auto n = json_util::as_integer(*v);
  if (!n || *n < 1)
    return bad(fmt::format("{}.{}", field, key), fmt::format("{}.{} must be a positive integer", field, key));
  return n;
}

}  // namespace

std::string_view to_string(Role r) {
  for (auto [v, n] : kRoles)
    if (v == r) return n;
  return "user";
}

std::optional<Role> role_from_string(std::string_view s) {
  for (auto [v, n] : kRoles)
    if (n == s) return v;
  return std::nullopt;
}

std::string_view to_string(Period p) {
  for (auto [v, n] : kPeriods)
    if (v == p) return n;
  return "month";
}

std::optional<Period> period_from_string(std::string_view s) {
  for (auto [v, n] : kPeriods)
    if (n == s) return v;
  return std::nullopt;
}

std::int64_t period_start(Period p, std::int64_t t) {
  using namespace std::chrono;
  constexpr std::int64_t kDay = 86'400;
  std::int64_t day = (t >= 0 ? t : t - kDay + 1) / kDay;
  switch (p) {
    case Period::day:
      return day * kDay;
    case Period::week:
      return (day - (day + 3) % 7) * kDay;  // 1970-01-01 was a Thursday
    case Period::month: {
      year_month_day ymd{sys_days{days{day}}};
      return sys_days{ymd.year() / ymd.month() / 1}.time_since_epoch().count() * kDay;
    }
    case Period::total:
      return 0;
  }
  return 0;
}

std::int64_t period_end(Period p, std::int64_t t) {
  using namespace std::chrono;
  constexpr std::int64_t kDay = 86'400;
  std::int64_t start = period_start(p, t);
  switch (p) {
    case Period::day:
      return start + kDay;
    case Period::week:
      return start + 7 * kDay;
    case Period::month: {
      year_month_day ymd{sys_days{days{start / kDay}}};
      return sys_days{(ymd.year() / ymd.month() / 1) + months{1}}.time_since_epoch().count() * kDay;
    }
    case Period::total:
      return 0;
  }
  return 0;
}

bool model_allowed(const std::vector<std::string>& allowed, std::string_view model) {
  if (allowed.empty()) return true;
  for (const auto& a : allowed)
    if (glob(a, model)) return true;
  return false;
}

json::object to_json(const Budget& b) {
  json::object o{{"usd", b.usd}, {"period", to_string(b.period)}};
  if (b.soft_usd) o["soft_usd"] = *b.soft_usd;
  return o;
}

json::object to_json(const Limits& l) {
  json::object o;
  if (l.rpm) o["rpm"] = *l.rpm;
  if (l.tpm) o["tpm"] = *l.tpm;
  if (l.parallel) o["parallel"] = *l.parallel;
  return o;
}

namespace {

json::value budget_json(const std::optional<Budget>& b) {
  return b ? json::value(to_json(*b)) : json::value(nullptr);
}

json::object end_users_json(const EndUserDefaults& e) {
  return json::object{{"budget", budget_json(e.budget)}, {"limits", to_json(e.limits)}};
}

json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

json::object to_json(const KeyRecord& k) {
  json::object o{{"id", k.id},
                 {"name", k.name},
                 {"user_id", k.user_id.empty() ? json::value(nullptr) : json::value(k.user_id)},
                 {"team_id", k.team_id.empty() ? json::value(nullptr) : json::value(k.team_id)},
                 {"role", to_string(k.role)},
                 {"models", strings(k.models)},
                 {"budget", budget_json(k.budget)},
                 {"limits", to_json(k.limits)},
                 {"end_users", end_users_json(k.end_users)},
                 {"expires_at", k.expires_at ? json::value(*k.expires_at) : json::value(nullptr)},
                 {"blocked", k.blocked},
                 {"metadata", k.metadata},
                 {"created_at", k.created_at}};
  if (k.rotated_at) o["rotated_at"] = *k.rotated_at;
  if (k.previous_expires_at) o["previous_key_expires_at"] = *k.previous_expires_at;
  return o;
}

json::object to_json(const UserRecord& u) {
  return json::object{{"id", u.id},
                      {"name", u.name},
                      {"budget", budget_json(u.budget)},
                      {"limits", to_json(u.limits)},
                      {"metadata", u.metadata},
                      {"created_at", u.created_at}};
}

json::object to_json(const TeamRecord& t) {
  return json::object{{"id", t.id},
                      {"name", t.name},
                      {"models", strings(t.models)},
                      {"budget", budget_json(t.budget)},
                      {"limits", to_json(t.limits)},
                      {"end_users", end_users_json(t.end_users)},
                      {"metadata", t.metadata},
                      {"created_at", t.created_at}};
}

Result<std::optional<Budget>> budget_from_json(const json::value* v, std::string_view field) {
  if (!v || v->is_null()) return std::optional<Budget>();
  if (!v->is_object())
    return bad(std::string(field),
               fmt::format("{} must be an object {{usd, period, soft_usd}} or null", field));
  const auto& o = v->get_object();
  Budget b;
  auto usd = o.if_contains("usd") ? json_util::as_number(o.at("usd")) : std::nullopt;
  if (!usd || *usd < 0)
    return bad(fmt::format("{}.usd", field),
               fmt::format("{}.usd must be a number of dollars, 0 or more", field));
  b.usd = *usd;
  if (auto* p = o.if_contains("period")) {
    auto period = p->is_string() ? period_from_string(p->get_string()) : std::nullopt;
    if (!period)
      return bad(fmt::format("{}.period", field),
                 fmt::format("{}.period must be day, week, month or total", field));
    b.period = *period;
  }
  if (auto* s = o.if_contains("soft_usd"); s && !s->is_null()) {
    auto soft = json_util::as_number(*s);
    if (!soft || *soft < 0)
      return bad(fmt::format("{}.soft_usd", field),
                 fmt::format("{}.soft_usd must be a number, 0 or more", field));
    b.soft_usd = *soft;
  }
  return std::optional<Budget>(b);
}

Result<Limits> limits_from_json(const json::value* v, std::string_view field) {
  if (!v || v->is_null()) return Limits{};
  if (!v->is_object())
    return bad(std::string(field), fmt::format("{} must be an object {{rpm, tpm, parallel}}", field));
  const auto& o = v->get_object();
  for (const auto& [k, _] : o)
    if (k != "rpm" && k != "tpm" && k != "parallel")
      return bad(fmt::format("{}.{}", field, std::string_view(k)),
                 fmt::format("{}: unknown limit {} (known: rpm, tpm, parallel)", field, std::string_view(k)));
  Limits l;
  auto rpm = positive(o, "rpm", field), tpm = positive(o, "tpm", field),
       parallel = positive(o, "parallel", field);
  if (!rpm) return std::unexpected(rpm.error());
  if (!tpm) return std::unexpected(tpm.error());
  if (!parallel) return std::unexpected(parallel.error());
  l.rpm = *rpm;
  l.tpm = *tpm;
  l.parallel = *parallel;
  return l;
}

Result<EndUserDefaults> end_users_from_json(const json::value* v, std::string_view field) {
  if (!v || v->is_null()) return EndUserDefaults{};
  if (!v->is_object())
    return bad(std::string(field), fmt::format("{} must be an object {{budget, limits}}", field));
  const auto& o = v->get_object();
  EndUserDefaults e;
  auto budget = budget_from_json(o.if_contains("budget"), fmt::format("{}.budget", field));
  if (!budget) return std::unexpected(budget.error());
  auto limits = limits_from_json(o.if_contains("limits"), fmt::format("{}.limits", field));
  if (!limits) return std::unexpected(limits.error());
  e.budget = *budget;
  e.limits = *limits;
  return e;
}

Result<std::vector<std::string>> strings_from_json(const json::value* v, std::string_view field) {
  std::vector<std::string> out;
  if (!v || v->is_null()) return out;
  if (!v->is_array()) return bad(std::string(field), fmt::format("{} must be a list of strings", field));
  for (const auto& s : v->get_array()) {
    if (!s.is_string() || s.get_string().empty())
      return bad(std::string(field), fmt::format("{} must be a list of non-empty strings", field));
    out.emplace_back(s.get_string());
  }
  return out;
}

namespace {

std::optional<std::int64_t> optional_int(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && !v->is_null() ? json_util::as_integer(*v) : std::nullopt;
}

json::object metadata_of(const json::object& o) {
  auto* m = o.if_contains("metadata");
  return m && m->is_object() ? m->get_object() : json::object{};
}

}  // namespace

// What keys, users and teams share, read into any of them: id, name, budget, limits, metadata, creation
// time, and for keys and teams their model list and end users' defaults.
template <class Record>
Result<void> read_common(const json::object& o, Record& r) {
  r.id = json_util::string_field(o, "id");
  r.name = json_util::string_field(o, "name");
  auto budget = budget_from_json(o.if_contains("budget"), "budget");
  if (!budget) return std::unexpected(budget.error());
  auto limits = limits_from_json(o.if_contains("limits"), "limits");
  if (!limits) return std::unexpected(limits.error());
  r.budget = *budget;
  r.limits = *limits;
  if constexpr (requires {
                  r.models;
                  r.end_users;
                }) {
    auto models = strings_from_json(o.if_contains("models"), "models");
    if (!models) return std::unexpected(models.error());
    auto end_users = end_users_from_json(o.if_contains("end_users"), "end_users");
    if (!end_users) return std::unexpected(end_users.error());
    r.models = std::move(*models);
    r.end_users = *end_users;
  }
  r.metadata = metadata_of(o);
  r.created_at = optional_int(o, "created_at").value_or(0);
  return {};
}

Result<KeyRecord> key_from_json(const json::object& o) {
  KeyRecord k;
  if (auto r = read_common(o, k); !r) return std::unexpected(r.error());
  k.user_id = json_util::string_field(o, "user_id");
  k.team_id = json_util::string_field(o, "team_id");
  k.role = role_from_string(json_util::string_field(o, "role")).value_or(Role::user);
  k.expires_at = optional_int(o, "expires_at");
  k.blocked = o.contains("blocked") && o.at("blocked").is_bool() && o.at("blocked").get_bool();
  k.rotated_at = optional_int(o, "rotated_at");
  k.previous_expires_at = optional_int(o, "previous_key_expires_at");
  k.previous_hash = json_util::string_field(o, "previous_hash");
  return k;
}

Result<UserRecord> user_from_json(const json::object& o) {
  UserRecord u;
  if (auto r = read_common(o, u); !r) return std::unexpected(r.error());
  return u;
}

Result<TeamRecord> team_from_json(const json::object& o) {
  TeamRecord t;
  if (auto r = read_common(o, t); !r) return std::unexpected(r.error());
  return t;
}

}  // namespace modelmux::governance
