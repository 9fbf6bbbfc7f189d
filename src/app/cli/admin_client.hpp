// The admin CLI's side of the wire: which gateway to talk to and as whom (--url, --key, --json, with their
// environment defaults), and one blocking call to /admin/v1/... over the project's own HTTP client.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace modelmux::app::cli {

// The options every admin command takes, filled in by CLI11 and then by resolve().
struct Target {
  std::string url;  // --url, else MODELMUX_URL, else the default config's listen address
  std::string key;  // --key, else MODELMUX_MASTER_KEY, else MODELMUX_API_KEY; none: no Authorization
  bool json = false;
  void resolve();
};

// The command chosen on the command line, run after parsing.
struct Commands {
  Target target;
  std::function<int()> action;
  // Resolves the target and runs the action; its result, or 1 when a call failed, is the exit code.
  int run();
};

// Adds --url, --key and --json to a command group; its subcommands take them too (before or after them).
void add_target_options(CLI::App& group, Target& target);
// Makes `f` the action when `cmd` is the command given.
void on_run(CLI::App& cmd, Commands& commands, std::function<int()> f);

// A query string from name/value pairs (empty values left out), percent-encoded, with its leading '?'.
std::string query(const std::vector<std::pair<std::string_view, std::string>>& params);
// A path segment (an id or a name) percent-encoded.
std::string segment(std::string_view s);

// A failed call or command, already explained on stderr.
struct Failed {
  int exit_code = 1;
};
// Says `message` on stderr and throws Failed.
[[noreturn]] void fail_with(const std::string& message, int exit_code = 1);

struct Response {
  unsigned status = 0;
  std::string text;         // the body as the gateway sent it
  boost::json::value body;  // parsed (null when the body is not JSON)
};

// METHOD /admin/v1/{path} with an optional JSON body. A refused or failed connection, or an answer of 400
// and above, is explained on stderr (the API's own message) and thrown as Failed.
Response call(const Target& target, std::string_view method, std::string_view path,
              const boost::json::value* body = nullptr);

// What a command ends with: the gateway's JSON as it is under --json, else `render(body)`. Returns 0.
int show(const Target& target, const Response& r,
         const std::function<void(const boost::json::value&)>& render);

}  // namespace modelmux::app::cli
