// What the keys, users and teams commands share: the options for a record's name, budget, limits, models
// and metadata (turned into the admin API's fields, merged into the record on update so that --rpm alone
// keeps the other limits), and the list / get / delete commands over /admin/v1/{collection}.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "app/cli/admin_client.hpp"
#include "app/cli/render.hpp"

namespace modelmux::app::cli {

struct RecordOptions {
  std::string name, period, models, metadata, end_users;
  double budget = 0, soft_budget = 0;
  std::int64_t rpm = 0, tpm = 0, parallel = 0;
  bool no_budget = false;
  // Which were given (CLI11 counts them).
  CLI::Option *name_opt = nullptr, *budget_opt = nullptr, *period_opt = nullptr, *soft_opt = nullptr,
              *rpm_opt = nullptr, *tpm_opt = nullptr, *parallel_opt = nullptr, *models_opt = nullptr,
              *metadata_opt = nullptr, *end_users_opt = nullptr;
};

// Adds --name, --budget, --period, --soft-budget, --no-budget, --rpm, --tpm, --parallel and --metadata;
// --models and --end-users when the record has them.
void add_record_options(CLI::App& cmd, RecordOptions& o, bool with_models, bool with_end_users);
// Whether building the body needs the record as it is now (a budget or a limit changes in part).
bool needs_current(const RecordOptions& o);
// The fields the options set, for POST (current == nullptr) or PATCH over `current`.
boost::json::object record_body(const RecordOptions& o, const boost::json::value* current);

// A JSON object from an option's text; bad JSON is a usage error (exit 2).
boost::json::value json_option(const std::string& option, const std::string& text);

// One kind of record: its path under /admin/v1 and its word in messages.
struct Collection {
  std::string path;       // "keys"
  std::string noun;       // "key"
  std::string id = "id";  // what names one: "id", or "name" for credentials
};

// Columns of the keys, users and teams tables: allowed models ("*": every one), budget, limits.
Column models_column();
Column budget_column();
Column limits_column();

// `list` (a table of `columns`), `get ID` and `delete ID` under `group`.
void add_list_get_delete(CLI::App& group, Commands& commands, const Collection& c,
                         std::vector<Column> columns);
// One record after a create or an update: all its fields, or the JSON under --json.
int show_record(const Target& target, const Response& r);
// PATCH /admin/v1/{collection}/{id} with what the options change, plus `extra` fields (a key's user, role,
// expiry...); the record is read first when a budget or limits change in part. Nothing to change: exit 2.
int update_record(const Target& target, const Collection& c, const std::string& id, const RecordOptions& o,
                  boost::json::object extra);

}  // namespace modelmux::app::cli
