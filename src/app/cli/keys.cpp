// `modelmux keys list|get|create|update|rotate|delete`: virtual keys through /admin/v1/keys. A new or rotated
// key's secret is printed (it is shown this once); nothing else ever shows one.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <chrono>
#include <iostream>

#include "app/cli/commands.hpp"
#include "app/cli/record_commands.hpp"

namespace modelmux::app::cli {
namespace {

namespace json = boost::json;

const Collection kKeys{"keys", "key"};

struct KeyOptions {
  RecordOptions record;
  std::string user, team, role, expires;
  bool blocked = false, unblocked = false;
  CLI::Option *user_opt = nullptr, *team_opt = nullptr, *role_opt = nullptr, *expires_opt = nullptr;
};

// --expires: a duration from now (30d, 12h, 90m, 3600s), a time (unix seconds, 2026-12-31,
// 2026-12-31T12:00:00Z) or `never`; as the API's expires_in_seconds or expires_at.
std::pair<std::string, json::value> expiry(const std::string& when) {
  if (when == "never") return {"expires_at", nullptr};
  auto bad = [&] {
    fail_with(fmt::format("--expires {}: give a duration (30d, 12h, 90m, 3600s), unix seconds, YYYY-MM-DD, "
                          "YYYY-MM-DDTHH:MM:SSZ or never",
                          when),
              2);
  };
  std::size_t digits = 0;
  while (digits < when.size() && std::isdigit(static_cast<unsigned char>(when[digits]))) ++digits;
  if (digits == 0) bad();
  if (digits == when.size()) return {"expires_at", std::stoll(when)};
  if (digits + 1 == when.size()) {
    std::int64_t n = std::stoll(when.substr(0, digits));
    switch (when.back()) {
      case 'd':
        return {"expires_in_seconds", n * 86'400};
      case 'h':
        return {"expires_in_seconds", n * 3'600};
      case 'm':
        return {"expires_in_seconds", n * 60};
      case 's':
        return {"expires_in_seconds", n};
    }
    bad();
  }
  int y = 0;
  unsigned mo = 0, d = 0, hh = 0, mm = 0, ss = 0;
  char tail = 0;
  bool date_only = when.size() == 10 && std::sscanf(when.c_str(), "%4d-%2u-%2u", &y, &mo, &d) == 3;
  bool full =
      when.size() == 20 &&
      std::sscanf(when.c_str(), "%4d-%2u-%2uT%2u:%2u:%2u%c", &y, &mo, &d, &hh, &mm, &ss, &tail) == 7 &&
      tail == 'Z';
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(mo), std::chrono::day(d)};
  if ((!date_only && !full) || !ymd.ok() || hh > 23 || mm > 59 || ss > 59) bad();
  auto secs = std::chrono::sys_days(ymd).time_since_epoch() / std::chrono::seconds(1);
  return {"expires_at", static_cast<std::int64_t>(secs + hh * 3600 + mm * 60 + ss)};
}

void add_key_options(CLI::App& cmd, KeyOptions& o) {
  add_record_options(cmd, o.record, /*with_models=*/true, /*with_end_users=*/true);
  o.user_opt = cmd.add_option("--user", o.user, "the user it belongs to (a user id; empty: none)");
  o.team_opt = cmd.add_option("--team", o.team, "the team it belongs to (a team id; empty: none)");
  o.role_opt =
      cmd.add_option("--role", o.role, "user (the model APIs; default), viewer (reads spend) or admin")
          ->check(CLI::IsMember({"user", "viewer", "admin"}));
  o.expires_opt = cmd.add_option("--expires", o.expires,
                                 "when it stops working: 30d, 12h, 90m, 3600s from now, unix seconds, "
                                 "YYYY-MM-DD[THH:MM:SSZ], or never");
  auto* block = cmd.add_flag("--blocked", o.blocked, "refuse it until unblocked");
  cmd.add_flag("--unblocked", o.unblocked, "let a blocked key work again")->excludes(block);
}

// The key's own fields (the record's are built apart).
json::object key_fields(const KeyOptions& o) {
  json::object f;
  if (o.user_opt->count()) f["user_id"] = o.user;
  if (o.team_opt->count()) f["team_id"] = o.team;
  if (o.role_opt->count()) f["role"] = o.role;
  if (o.expires_opt->count()) {
    auto [field, value] = expiry(o.expires);
    f[field] = value;
  }
  if (o.blocked || o.unblocked) f["blocked"] = o.blocked;
  return f;
}

std::string state(const json::value& k) {
  if (auto* b = at(k, "blocked"); b && b->is_bool() && b->get_bool()) return "blocked";
  auto* exp = at(k, "expires_at");
  auto now = std::chrono::system_clock::now().time_since_epoch() / std::chrono::seconds(1);
  if (exp && exp->is_int64() && exp->get_int64() <= now) return "expired";
  return "active";
}

// A created or rotated key: its secret first, with the warning that it will not be shown again.
int show_secret(const Target& target, const Response& r) {
  return show(target, r, [](const json::value& v) {
    print_record(v);
    std::cout.flush();  // the warning comes after the key, also when both go to one pipe
    std::cerr << "modelmux: the key above is shown this once: only its hash is kept\n";
  });
}

}  // namespace

void add_keys_commands(CLI::App& app, Commands& commands) {
  auto* keys = app.add_subcommand("keys", "Virtual keys: list, get, create, update, rotate, delete");
  add_target_options(*keys, commands.target);
  keys->require_subcommand(1);

  std::vector<Column> columns{field_column("ID", "id"),
                              field_column("NAME", "name"),
                              field_column("ROLE", "role"),
                              field_column("USER", "user_id"),
                              field_column("TEAM", "team_id"),
                              models_column(),
                              budget_column(),
                              field_column("SPENT", "spend.spent_usd"),
                              limits_column(),
                              field_column("EXPIRES", "expires_at"),
                              {"STATE", state}};
  add_list_get_delete(*keys, commands, kKeys, std::move(columns));

  auto create_opts = std::make_shared<KeyOptions>();
  auto* create = keys->add_subcommand("create", "issue a key (its secret is printed this once)");
  add_key_options(*create, *create_opts);
  on_run(*create, commands, [&commands, o = create_opts] {
    json::value body = record_body(o->record, nullptr);
    for (auto& [k, v] : key_fields(*o)) body.get_object()[k] = v;
    return show_secret(commands.target, call(commands.target, "POST", kKeys.path, &body));
  });

  auto update_opts = std::make_shared<KeyOptions>();
  auto id = std::make_shared<std::string>();
  auto* update = keys->add_subcommand("update", "change a key (limits and budget given alone keep the rest)");
  update->add_option("id", *id, "the key's id")->required();
  add_key_options(*update, *update_opts);
  on_run(*update, commands, [&commands, o = update_opts, id] {
    return update_record(commands.target, kKeys, *id, o->record, key_fields(*o));
  });

  auto grace = std::make_shared<std::int64_t>(-1);
  auto* rotate =
      keys->add_subcommand("rotate", "give a key a new secret (printed this once); same id and budget");
  rotate->add_option("id", *id, "the key's id")->required();
  rotate->add_option("--grace-seconds", *grace, "how long the old secret still works (default: a day)")
      ->check(CLI::NonNegativeNumber);
  on_run(*rotate, commands, [&commands, id, grace] {
    json::value body = json::object{};
    if (*grace >= 0) body.get_object()["grace_seconds"] = *grace;
    return show_secret(commands.target,
                       call(commands.target, "POST", kKeys.path + "/" + segment(*id) + "/rotate", &body));
  });
}

}  // namespace modelmux::app::cli
