// The pieces the keys, users and teams commands share (see record_commands.hpp).
#include "app/cli/record_commands.hpp"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <iostream>

namespace modelmux::app::cli {
namespace {

namespace json = boost::json;

bool given(const CLI::Option* o) {
  return o && o->count() > 0;
}

json::array split_list(const std::string& text) {
  json::array out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    auto item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// The budget the options describe, over the record's current one on update; null removes it.
json::value budget(const RecordOptions& o, const json::value* current) {
  if (o.no_budget) return nullptr;
  json::object b;
  if (auto* now = current ? at(*current, "budget") : nullptr; now && now->is_object()) b = now->get_object();
  if (given(o.budget_opt)) b["usd"] = o.budget;
  if (given(o.period_opt)) b["period"] = o.period;
  if (given(o.soft_opt)) {
    if (o.soft_budget > 0)
      b["soft_usd"] = o.soft_budget;
    else
      b.erase("soft_usd");
  }
  if (!b.contains("usd"))
    fail_with(current ? "the record has no budget yet: give --budget USD with --period or --soft-budget"
                      : "--period and --soft-budget go with --budget USD",
              2);
  return b;
}

// The limits over the record's current ones (the API replaces them whole); 0 removes one.
json::object limits(const RecordOptions& o, const json::value* current) {
  json::object l;
  if (auto* now = current ? at(*current, "limits") : nullptr; now && now->is_object()) l = now->get_object();
  for (auto [name, opt, value] : {std::tuple{"rpm", o.rpm_opt, o.rpm}, std::tuple{"tpm", o.tpm_opt, o.tpm},
                                  std::tuple{"parallel", o.parallel_opt, o.parallel}}) {
    if (!given(opt)) continue;
    if (value > 0)
      l[name] = value;
    else
      l.erase(name);
  }
  return l;
}

}  // namespace

void add_record_options(CLI::App& cmd, RecordOptions& o, bool with_models, bool with_end_users) {
  o.name_opt = cmd.add_option("--name", o.name, "a name for people");
  o.budget_opt =
      cmd.add_option("--budget", o.budget, "budget in USD per period")->check(CLI::NonNegativeNumber);
  o.period_opt = cmd.add_option("--period", o.period, "the budget's period (default month; UTC)")
                     ->check(CLI::IsMember({"day", "week", "month", "total"}));
  o.soft_opt = cmd.add_option("--soft-budget", o.soft_budget, "USD past which an alert is logged (0: none)")
                   ->check(CLI::NonNegativeNumber);
  cmd.add_flag("--no-budget", o.no_budget, "remove the budget")->excludes(o.budget_opt);
  o.rpm_opt =
      cmd.add_option("--rpm", o.rpm, "requests per minute (0: no limit)")->check(CLI::NonNegativeNumber);
  o.tpm_opt =
      cmd.add_option("--tpm", o.tpm, "tokens per minute (0: no limit)")->check(CLI::NonNegativeNumber);
  o.parallel_opt = cmd.add_option("--parallel", o.parallel, "requests in flight (0: no limit)")
                       ->check(CLI::NonNegativeNumber);
  if (with_models)
    o.models_opt = cmd.add_option("--models", o.models,
                                  "model groups allowed, comma-separated, `*` globs (empty: every model)");
  if (with_end_users)
    o.end_users_opt = cmd.add_option(
        "--end-users", o.end_users, R"(each end user's own budget and limits, JSON: '{"budget":{"usd":5}}')");
  o.metadata_opt = cmd.add_option("--metadata", o.metadata, "a JSON object kept with the record");
}

bool needs_current(const RecordOptions& o) {
  return given(o.budget_opt) || given(o.period_opt) || given(o.soft_opt) || given(o.rpm_opt) ||
         given(o.tpm_opt) || given(o.parallel_opt);
}

json::object record_body(const RecordOptions& o, const json::value* current) {
  json::object body;
  if (given(o.name_opt)) body["name"] = o.name;
  if (o.no_budget || given(o.budget_opt) || given(o.period_opt) || given(o.soft_opt))
    body["budget"] = budget(o, current);
  if (given(o.rpm_opt) || given(o.tpm_opt) || given(o.parallel_opt)) body["limits"] = limits(o, current);
  if (given(o.models_opt)) body["models"] = split_list(o.models);
  if (given(o.end_users_opt)) body["end_users"] = json_option("--end-users", o.end_users);
  if (given(o.metadata_opt)) body["metadata"] = json_option("--metadata", o.metadata);
  return body;
}

json::value json_option(const std::string& option, const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) fail_with(fmt::format("{} must be a JSON object", option), 2);
  return v;
}

Column models_column() {
  return {"MODELS", [](const json::value& r) {
            auto m = text(at(r, "models"));
            return m == "-" ? std::string("*") : m;
          }};
}

Column budget_column() {
  return {"BUDGET", [](const json::value& r) { return budget_text(at(r, "budget")); }};
}

Column limits_column() {
  return {"LIMITS", [](const json::value& r) { return limits_text(at(r, "limits")); }};
}

void add_list_get_delete(CLI::App& group, Commands& commands, const Collection& c,
                         std::vector<Column> columns) {
  auto* list = group.add_subcommand("list", fmt::format("list the {}s", c.noun));
  on_run(*list, commands, [&commands, c, columns = std::move(columns)] {
    auto r = call(commands.target, "GET", c.path);
    return show(commands.target, r, [&](const json::value& v) { print_table(columns, v); });
  });

  auto id = std::make_shared<std::string>();
  auto* get = group.add_subcommand("get", fmt::format("show one {}", c.noun));
  get->add_option(c.id, *id, fmt::format("the {}'s {}", c.noun, c.id))->required();
  on_run(*get, commands, [&commands, c, id] {
    auto r = call(commands.target, "GET", c.path + "/" + segment(*id));
    return show(commands.target, r, print_record);
  });

  auto* del = group.add_subcommand("delete", fmt::format("delete a {}", c.noun));
  del->add_option(c.id, *id, fmt::format("the {}'s {}", c.noun, c.id))->required();
  on_run(*del, commands, [&commands, c, id] {
    auto r = call(commands.target, "DELETE", c.path + "/" + segment(*id));
    return show(commands.target, r, [&](const json::value&) { std::cout << "deleted " << *id << '\n'; });
  });
}

int show_record(const Target& target, const Response& r) {
  return show(target, r, print_record);
}

int update_record(const Target& target, const Collection& c, const std::string& id, const RecordOptions& o,
                  json::object extra) {
  std::string path = c.path + "/" + segment(id);
  json::value current;
  if (needs_current(o)) current = call(target, "GET", path).body;
  json::value body = record_body(o, needs_current(o) ? &current : nullptr);
  for (auto& [k, v] : extra) body.get_object()[k] = std::move(v);
  if (body.get_object().empty())
    fail_with(fmt::format("nothing to change: give the {}'s new values", c.noun), 2);
  return show_record(target, call(target, "PATCH", path, &body));
}

}  // namespace modelmux::app::cli
