// `modelmux users ...` and `modelmux teams ...`: the people and teams keys belong to, through
// /admin/v1/users and /admin/v1/teams (the same five commands; a team also has models and end users).
#include <fmt/format.h>

#include <boost/json.hpp>

#include "app/cli/commands.hpp"
#include "app/cli/record_commands.hpp"

namespace modelmux::app::cli {
namespace {

namespace json = boost::json;

struct DirectoryOptions {
  RecordOptions record;
  std::string id;
};

void add_collection(CLI::App& app, Commands& commands, const Collection& c, bool is_team) {
  auto* group = app.add_subcommand(
      c.path, fmt::format("{}s{}: list, get, create, update, delete", is_team ? "Team" : "User",
                          is_team ? " (their keys' models and budgets)" : ""));
  add_target_options(*group, commands.target);
  group->require_subcommand(1);

  std::vector<Column> columns{field_column("ID", "id"), field_column("NAME", "name")};
  if (is_team) columns.push_back(models_column());
  columns.push_back(budget_column());
  columns.push_back(field_column("SPENT", "spend.spent_usd"));
  columns.push_back(limits_column());
  columns.push_back(field_column("CREATED", "created_at"));
  add_list_get_delete(*group, commands, c, std::move(columns));

  auto create_opts = std::make_shared<DirectoryOptions>();
  auto* create = group->add_subcommand("create", fmt::format("add a {}", c.noun));
  create->add_option("--id", create_opts->id, fmt::format("its id (default: a new {}_...)", c.noun));
  add_record_options(*create, create_opts->record, is_team, is_team);
  on_run(*create, commands, [&commands, c, o = create_opts] {
    json::value body = record_body(o->record, nullptr);
    if (!o->id.empty()) body.get_object()["id"] = o->id;
    return show_record(commands.target, call(commands.target, "POST", c.path, &body));
  });

  auto update_opts = std::make_shared<DirectoryOptions>();
  auto* update = group->add_subcommand(
      "update", fmt::format("change a {} (limits and budget given alone keep the rest)", c.noun));
  update->add_option("id", update_opts->id, fmt::format("the {}'s id", c.noun))->required();
  add_record_options(*update, update_opts->record, is_team, is_team);
  on_run(*update, commands,
         [&commands, c, o = update_opts] { return update_record(commands.target, c, o->id, o->record, {}); });
}

}  // namespace

void add_directory_commands(CLI::App& app, Commands& commands) {
  add_collection(app, commands, {"users", "user"}, /*is_team=*/false);
  add_collection(app, commands, {"teams", "team"}, /*is_team=*/true);
}

}  // namespace modelmux::app::cli
