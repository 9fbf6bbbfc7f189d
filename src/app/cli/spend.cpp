// `modelmux spend` (totals, or grouped by key, user, team, end user, model, provider, target or day),
// `modelmux spend logs` (the ledger's rows, a page at a time) and `modelmux audit` (who changed what).
#include <fmt/format.h>

#include <boost/json.hpp>
#include <iostream>

#include "app/cli/commands.hpp"
#include "app/cli/render.hpp"

namespace modelmux::app::cli {
namespace {

namespace json = boost::json;

constexpr const char* kTimes = "unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)";

struct SpendOptions {
  std::string group_by, from, to;
};

struct LogOptions {
  std::string key, user, team, end_user, model, status, from, to, cursor;
  int limit = 0;
};

void show_totals(const json::value& v) {
  auto* data = at(v, "data");
  if (!data || !data->is_array()) {
    json::object lines;
    for (const char* f : {"from", "to", "cost_usd", "requests", "input_tokens", "output_tokens"})
      if (auto* x = at(v, f)) lines[f] = *x;
    print_record(lines);
    return;
  }
  // The groups, then their sum.
  json::value rows = json::object{{"data", data->get_array()}};
  json::object total{{"group", "TOTAL"}};
  for (const char* f : {"cost_usd", "requests", "input_tokens", "output_tokens"})
    if (auto* x = at(v, f)) total[f] = *x;
  rows.get_object()["data"].get_array().push_back(std::move(total));
  std::string by = text(at(v, "group_by"));
  for (auto& c : by) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  print_table(
      {field_column(by, "group"), field_column("COST", "cost_usd"), field_column("REQUESTS", "requests"),
       field_column("INPUT_TOKENS", "input_tokens"), field_column("OUTPUT_TOKENS", "output_tokens")},
      rows);
}

void show_logs(const json::value& v) {
  print_table(
      {field_column("ID", "id"), field_column("TIME", "ts"), field_column("KEY", "key_id"),
       field_column("END_USER", "end_user"), field_column("MODEL", "model"), field_column("TARGET", "target"),
       field_column("STATUS", "status"), field_column("ERROR", "error"), field_column("IN", "input_tokens"),
       field_column("OUT", "output_tokens"), field_column("COST", "cost_usd"),
       field_column("LATENCY_MS", "latency_ms")},
      v);
  if (auto* next = at(v, "next"); next && next->is_string())
    std::cout << "more: modelmux spend logs --cursor " << next->get_string().c_str() << '\n';
}

void show_audit(const json::value& v) {
  print_table({field_column("TIME", "ts"), field_column("ACTOR", "actor"), field_column("ACTION", "action"),
               field_column("SUBJECT", "subject"), field_column("DETAIL", "detail")},
              v);
}

}  // namespace

void add_spend_commands(CLI::App& app, Commands& commands) {
  auto so = std::make_shared<SpendOptions>();
  auto* spend =
      app.add_subcommand("spend", "What was spent: totals, or grouped (--group-by); `spend logs`: the rows");
  add_target_options(*spend, commands.target);
  spend->require_subcommand(0, 1);
  spend->add_option("--group-by", so->group_by, "key, user, team, end_user, model, provider, target or day")
      ->check(CLI::IsMember({"key", "user", "team", "end_user", "model", "provider", "target", "day"}));
  spend->add_option("--from", so->from, fmt::format("from this time: {}", kTimes));
  spend->add_option("--to", so->to, fmt::format("until this time: {}", kTimes));

  auto lo = std::make_shared<LogOptions>();
  auto* logs = spend->add_subcommand("logs", "the spend ledger's rows, oldest first, a page at a time");
  logs->add_option("--key", lo->key, "only this key's rows (a key id)");
  logs->add_option("--user", lo->user, "only this user's");
  logs->add_option("--team", lo->team, "only this team's");
  logs->add_option("--end-user", lo->end_user, "only this end user's");
  logs->add_option("--model", lo->model, "only this model group's");
  logs->add_option("--status", lo->status, "ok or error")->check(CLI::IsMember({"ok", "error"}));
  logs->add_option("--from", lo->from, fmt::format("from this time: {}", kTimes));
  logs->add_option("--to", lo->to, fmt::format("until this time: {}", kTimes));
  logs->add_option("--limit", lo->limit, "rows per page (1 to 1000; default 100)")
      ->check(CLI::Range(1, 1000));
  logs->add_option("--cursor", lo->cursor, "the next page, as the previous one said");
  on_run(*logs, commands, [&commands, lo] {
    auto q = query({{"key_id", lo->key},
                    {"user_id", lo->user},
                    {"team_id", lo->team},
                    {"end_user", lo->end_user},
                    {"model", lo->model},
                    {"status", lo->status},
                    {"from", lo->from},
                    {"to", lo->to},
                    {"limit", lo->limit ? std::to_string(lo->limit) : ""},
                    {"after", lo->cursor}});
    return show(commands.target, call(commands.target, "GET", "spend/logs" + q), show_logs);
  });
  spend->callback([&commands, so, logs] {
    if (logs->parsed()) return;
    commands.action = [&commands, so] {
      auto q = query({{"group_by", so->group_by}, {"from", so->from}, {"to", so->to}});
      return show(commands.target, call(commands.target, "GET", "spend" + q), show_totals);
    };
  });

  auto limit = std::make_shared<int>(0);
  auto* audit =
      app.add_subcommand("audit", "The audit log: every change made through the admin API, newest first");
  add_target_options(*audit, commands.target);
  audit->add_option("--limit", *limit, "how many events (1 to 10000; default 100)")
      ->check(CLI::Range(1, 10'000));
  on_run(*audit, commands, [&commands, limit] {
    auto q = query({{"limit", *limit ? std::to_string(*limit) : ""}});
    return show(commands.target, call(commands.target, "GET", "audit" + q), show_audit);
  });
}

}  // namespace modelmux::app::cli
