// The admin commands of the `modelmux` binary: keys, users, teams, spend, audit and credentials, each a
// client of the gateway's admin API (/admin/v1/) with tables for people and --json for scripts.
#pragma once

#include <CLI/CLI.hpp>

#include "app/cli/admin_client.hpp"

namespace modelmux::app::cli {

void add_keys_commands(CLI::App& app, Commands& commands);
void add_directory_commands(CLI::App& app, Commands& commands);  // users, teams
void add_spend_commands(CLI::App& app, Commands& commands);      // spend, spend logs, audit
void add_credentials_commands(CLI::App& app, Commands& commands);

inline void add_admin_commands(CLI::App& app, Commands& commands) {
  add_keys_commands(app, commands);
  add_directory_commands(app, commands);
  add_spend_commands(app, commands);
  add_credentials_commands(app, commands);
}

}  // namespace modelmux::app::cli
