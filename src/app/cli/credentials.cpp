// `modelmux credentials list|get|create|update|delete|validate|rotate-key`: provider credentials kept
// encrypted by the gateway, through /admin/v1/credentials. A credential's value goes in (from an option or
// standard input) and never comes back out: only its fingerprint is shown.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <iostream>
#include <iterator>

#include "app/cli/commands.hpp"
#include "app/cli/record_commands.hpp"

namespace modelmux::app::cli {
namespace {

namespace json = boost::json;

const Collection kCredentials{"credentials", "credential", "name"};
// The body of a POST that takes no fields (the admin API wants JSON with every POST).
const json::value kNoFields = json::object{};

// Where the secret comes from: one value (an API key), or AWS's access key pair.
struct ValueOptions {
  std::string value, aws_access_key_id, aws_secret_access_key, aws_session_token;
  bool value_stdin = false;
};

void add_value_options(CLI::App& cmd, ValueOptions& o) {
  auto* value = cmd.add_option("--value", o.value,
                               "the secret (an API key); it lands in shell history and the process list, so "
                               "prefer --value-stdin");
  auto* from_stdin = cmd.add_flag("--value-stdin", o.value_stdin, "read the secret from standard input");
  auto* id = cmd.add_option("--aws-access-key-id", o.aws_access_key_id, "AWS: the access key id");
  auto* secret =
      cmd.add_option("--aws-secret-access-key", o.aws_secret_access_key, "AWS: the secret access key");
  auto* token = cmd.add_option("--aws-session-token", o.aws_session_token, "AWS: a session token (optional)");
  value->excludes(from_stdin)->excludes(id)->excludes(secret)->excludes(token);
  from_stdin->excludes(id)->excludes(secret)->excludes(token);
  id->needs(secret);
  secret->needs(id);
  token->needs(id);
}

// The value's fields of the request body; none given is a usage error.
json::object value_fields(const ValueOptions& o) {
  if (!o.aws_access_key_id.empty())
    return o.aws_session_token.empty() ? json::object{{"aws_access_key_id", o.aws_access_key_id},
                                                      {"aws_secret_access_key", o.aws_secret_access_key}}
                                       : json::object{{"aws_access_key_id", o.aws_access_key_id},
                                                      {"aws_secret_access_key", o.aws_secret_access_key},
                                                      {"aws_session_token", o.aws_session_token}};
  std::string value = o.value;
  if (o.value_stdin) {
    value.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    if (value.empty()) fail_with("--value-stdin: standard input was empty", 2);
  }
  if (value.empty())
    fail_with("give the secret: --value-stdin, --value, or --aws-access-key-id with --aws-secret-access-key",
              2);
  return json::object{{"value", value}};
}

void show_validation(const json::value& v) {
  std::string line = fmt::format("{}: {}", text(at(v, "name")), text(at(v, "result")));
  if (auto* status = at(v, "status"); status && !status->is_null())
    line += fmt::format(" (HTTP {})", text(status));
  if (auto* detail = at(v, "detail"); detail && !detail->is_null()) line += ": " + text(detail);
  std::cout << line << '\n';
}

}  // namespace

void add_credentials_commands(CLI::App& app, Commands& commands) {
  auto* group = app.add_subcommand(
      "credentials",
      "Provider credentials, stored encrypted: list, get, create, update, delete, validate, rotate-key");
  add_target_options(*group, commands.target);
  group->require_subcommand(1);

  add_list_get_delete(*group, commands, kCredentials,
                      {field_column("NAME", "name"), field_column("PROVIDER", "provider"),
                       field_column("KIND", "kind"), field_column("KEY_VERSION", "key_version"),
                       field_column("FINGERPRINT", "fingerprint"), field_column("UPDATED", "updated_at")});

  struct CreateOptions {
    std::string name, provider;
    ValueOptions value;
  };
  auto co = std::make_shared<CreateOptions>();
  auto* create = group->add_subcommand("create", "store a credential (the gateway encrypts it)");
  create->add_option("--name", co->name, "its name, as targets refer to it")->required();
  create->add_option("--provider", co->provider, "the provider it is for (openai, anthropic, bedrock...)")
      ->required();
  add_value_options(*create, co->value);
  on_run(*create, commands, [&commands, co] {
    json::value body = json::object{{"name", co->name}, {"provider", co->provider}};
    for (auto& [k, v] : value_fields(co->value)) body.get_object()[k] = v;
    return show_record(commands.target, call(commands.target, "POST", kCredentials.path, &body));
  });

  auto name = std::make_shared<std::string>();
  auto uo = std::make_shared<ValueOptions>();
  auto* update = group->add_subcommand("update", "replace a credential's value");
  update->add_option("name", *name, "the credential's name")->required();
  add_value_options(*update, *uo);
  on_run(*update, commands, [&commands, name, uo] {
    json::value body = value_fields(*uo);
    return show_record(commands.target,
                       call(commands.target, "PUT", kCredentials.path + "/" + segment(*name), &body));
  });

  auto* validate = group->add_subcommand(
      "validate", "ask the provider whether a credential works (exit 0 only when it is valid)");
  validate->add_option("name", *name, "the credential's name")->required();
  on_run(*validate, commands, [&commands, name] {
    auto r =
        call(commands.target, "POST", kCredentials.path + "/" + segment(*name) + "/validate", &kNoFields);
    show(commands.target, r, show_validation);
    auto* result = at(r.body, "result");
    return result && result->is_string() && result->get_string() == "valid" ? 0 : 1;
  });

  auto* rotate =
      group->add_subcommand("rotate-key", "re-encrypt every credential under a new encryption key");
  on_run(*rotate, commands, [&commands] {
    auto r = call(commands.target, "POST", kCredentials.path + "/rotate-key", &kNoFields);
    return show(commands.target, r, [](const json::value& v) {
      std::cout << fmt::format("re-encrypted {} credential(s); key version {}\n", text(at(v, "rotated")),
                               text(at(v, "key_version")));
    });
  });
}

}  // namespace modelmux::app::cli
