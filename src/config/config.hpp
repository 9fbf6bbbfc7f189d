// The gateway's configuration: loaded once from YAML (or the built-in defaults), validated with errors that
// name file, line, key and problem, then shared immutably.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace modelmux::config {

using ms = std::chrono::milliseconds;

// Thrown only at start-up / load time; the message is ready to print ("file:line: key: problem").
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Where a value came from, so checks made after loading can still point at the line.
struct Origin {
  std::string file;
  int line = 0;
  std::string key;  // dotted path, e.g. models[0].targets[1].provider
};
[[noreturn]] void raise(const Origin& at, const std::string& problem);

struct ServerConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 4000;
  int threads = 0;  // 0: one per core
  std::size_t max_body_bytes = 8u << 20;
  ms header_timeout{10'000};
  ms body_timeout{30'000};
  ms idle_timeout{75'000};
  ms shutdown_grace{15'000};
  bool access_log = true;
};

struct UpstreamTimeouts {
  ms connect{5'000};
  ms first_byte{120'000};
  ms idle{60'000};  // between two reads of a streamed reply
};

struct TargetConfig {
  Origin origin;
  std::string provider;
  std::string model;
  std::string api_base;  // empty: the provider's default
  std::string api_key;
  int weight = 1;
  std::optional<bool> stream_usage;  // ask for streamed usage the client did not ask for; unset: the provider's default
  std::string api_version;           // azure: the api-version query parameter
  // bedrock: AWS credentials and region; what is unset here is resolved from the environment and the
  // shared ~/.aws files when the target is made (providers/aws/credentials.hpp).
  std::string aws_access_key_id;
  std::string aws_secret_access_key;
  std::string aws_session_token;
  std::string aws_region;
  std::string aws_profile;
  std::map<std::string, std::string> headers;  // extra headers sent upstream
  UpstreamTimeouts timeouts;
};

struct ModelConfig {
  Origin origin;
  std::string name;
  std::vector<TargetConfig> targets;
};

struct Config {
  std::string source;  // file name, or "<built-in defaults>"
  ServerConfig server;
  std::vector<ModelConfig> models;
};

Config load_file(const std::string& path);
Config load_string(const std::string& yaml, const std::string& source_name);

// Built-in defaults: the `mock` model, plus OpenAI's models when OPENAI_API_KEY is set (at
// OPENAI_BASE_URL when that is set).
Config builtin_defaults();

// "host:port" or "[v6]:port".
void parse_listen(const std::string& text, const Origin& at, std::string& host, std::uint16_t& port);

// Replaces ${VAR} and ${VAR:-default} with the environment's values; an unset VAR without a default is an
// error, never a silent empty string.
std::string interpolate_env(const std::string& text, const Origin& at);

}  // namespace modelmux::config
