// The gateway's configuration: loaded once from YAML (or the built-in defaults), validated with errors that
// name file, line, key and problem, then shared immutably. The reading is split by what it does: reader.hpp
// (typed values with their origins), env.cpp (${VAR} interpolation), load.cpp and load_routing.cpp (the
// sections), defaults.cpp (the built-in defaults). Keys only one provider knows are its own to check
// (providers/<name>).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "governance/records.hpp"
#include "observability/redact.hpp"
#include "routing/strategy.hpp"

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
  // Open client connections; beyond them new ones get a 503, health checks still an answer. 0: 10000, or
  // fewer when the open-file limit cannot hold that many (see http/listener.cpp).
  std::size_t max_connections = 0;
  // Share the port with processes already listening on it (SO_REUSEPORT). Off: starting beside one fails.
  bool reuse_port = false;
  // Browser origins ("https://app.example.com") whose pages may call the gateway; none: CORS is off.
  std::vector<std::string> cors_allowed_origins;
};

struct UpstreamTimeouts {
  ms connect{5'000};
  ms first_byte{120'000};
  ms idle{60'000};  // between two reads of a streamed reply
};

// Optional active probing of a target: a one-token chat request every `interval`.
struct HealthCheckConfig {
  ms interval{0};  // 0: no active checks (real traffic still feeds the breaker)
  ms timeout{5'000};
  std::string prompt = "ping";
};

// The keys every target has; any other key of a target is its provider's (ProviderKeys).
inline constexpr std::string_view kTargetKeys[] = {
    "provider", "model", "api_base", "api_key", "weight",       "stream_usage", "headers",
    "timeouts", "tags",  "quality",  "local",   "health_check", "budget",       "limits"};

// A target's keys that only its provider knows (azure's api_version, the AWS providers' aws_*, sagemaker's
// sagemaker_format): kept as written, env-interpolated, with where each came from; the provider checks them
// when the target is made (providers/provider.hpp, Provider::config_keys and prepare).
struct ProviderKey {
  std::string value;
  Origin origin;
};
class ProviderKeys {
 public:
  void set(std::string name, ProviderKey key) { keys_[std::move(name)] = std::move(key); }
  // The value of `name`, or empty when the target does not set it.
  std::string_view get(std::string_view name) const {
    auto it = keys_.find(name);
    return it == keys_.end() ? std::string_view() : std::string_view(it->second.value);
  }
  const ProviderKey* find(std::string_view name) const {
    auto it = keys_.find(name);
    return it == keys_.end() ? nullptr : &it->second;
  }
  const std::map<std::string, ProviderKey, std::less<>>& all() const { return keys_; }

 private:
  std::map<std::string, ProviderKey, std::less<>> keys_;
};

struct TargetConfig {
  Origin origin;
  std::string provider;
  std::string model;
  std::string api_base;  // empty: the provider's default
  std::string api_key;
  int weight = 1;
  std::optional<bool>
      stream_usage;  // ask for streamed usage the client did not ask for; unset: the provider's default
  ProviderKeys provider_keys;
  std::map<std::string, std::string> headers;  // extra headers sent upstream
  UpstreamTimeouts timeouts;
  std::vector<std::string> tags;
  std::optional<double> quality;  // overrides the price table's score (0..1)
  std::optional<bool> local;      // unset: ollama, or an api_base on loopback or a private network
  HealthCheckConfig health_check;
  // The upstream's own quota and budget: a target with no room left is skipped, not sent a request that
  // would come back 429 (governance/).
  std::optional<governance::Budget> budget;
  governance::Limits limits;
};

// Hedging: when the first attempt has no first byte after `after` (or its target's observed p95 latency),
// a second attempt starts on the next target; the first to answer wins.
struct HedgeConfig {
  bool enabled = false;
  ms after{0};
  bool after_p95 = false;
};

// strategy auto: the learned router picks one of these model groups per request (routing/learned_router.hpp).
// Either a strong/weak pair with one of threshold, strong_share, quality_floor, or `groups` with a
// quality_floor.
struct AutoConfig {
  Origin origin;
  std::string strong, weak;
  std::vector<std::string> groups;
  std::optional<double> threshold;      // P(strong right and weak wrong) at or above it goes strong
  std::optional<double> strong_share;   // the threshold sending this share of the reference prompts strong
  std::optional<double> quality_floor;  // the cheapest group within this of the best predicted success
  // Every group named, the pair as {weak, strong}.
  std::vector<std::string> members() const { return groups.empty() ? std::vector{weak, strong} : groups; }
};

struct ModelConfig {
  Origin origin;
  std::string name;
  std::vector<TargetConfig> targets;
  std::optional<routing::Strategy> strategy;  // unset: routing.default_strategy
  std::vector<std::string> fallbacks;         // model groups tried in order after this one's targets
  std::string content_policy_fallback;        // model group tried when a target filters the content
  HedgeConfig hedge;
  std::optional<AutoConfig> auto_route;  // strategy auto
  governance::Limits limits;             // for every client of the group together
};

struct RetryConfig {
  int max_attempts = 8;  // upstream calls per request, over every target and round
  int max_retries = 2;   // further rounds over the plan once every target has failed retryably
  ms backoff_base{100};  // round n waits a uniformly random time in [0, min(max, base * 2^n)]
  ms backoff_max{5'000};
  ms max_retry_after{5'000};  // a target asking to wait longer is not retried: its 429 goes to the client
  std::optional<ms> attempt_timeout;  // caps every target's first-byte timeout for one attempt
};

struct BreakerConfig {
  int consecutive_failures = 5;  // opens after this many failures in a row
  double error_rate = 0.5;       // or when the failure ratio over the window reaches this
  int min_requests = 20;         // ... with at least this many requests in the window
  ms window{30'000};
  ms cooldown{30'000};       // open this long, then half-open
  int half_open_probes = 1;  // concurrent trial requests while half-open
};

struct BalancedWeights {
  double cost = 0.4, speed = 0.3, quality = 0.3;
};

struct RoutingConfig {
  routing::Strategy default_strategy = routing::Strategy::priority;
  RetryConfig retries;
  BreakerConfig breaker;
  BalancedWeights balanced;
  double adaptive_exploration = 0.05;         // share of requests sent to a random healthy target
  ms adaptive_half_life{60'000};              // how fast adaptive forgets what it observed
  ms latency_half_life{10'000};               // the peak-EWMA's decay for the latency strategy
  std::int64_t expected_output_tokens = 256;  // for cost estimates when a request sets no max_tokens
};

// A price table entry from the configuration; unset fields keep the built-in table's values.
struct PriceOverride {
  Origin origin;
  std::string model;
  std::optional<double> input, output, cached_input, cache_write_input;  // USD per 1M tokens
  std::optional<std::int64_t> context_window;
  std::optional<std::int64_t> max_output;
  std::optional<std::vector<std::string>> capabilities;
  std::optional<double> quality;
};

// How much of an upstream's error message reaches clients and the log (observability/redact.hpp).
struct ErrorsConfig {
  observability::UpstreamDetail upstream_detail = observability::UpstreamDetail::scrubbed;
};

// Who may call: with `auth` given, virtual keys (or the master key) are required on the model APIs and
// the master key (or an admin key) on the admin API. Without it the gateway is open, which it refuses to be
// on a non-loopback address unless `mode: none` says so.
struct AuthConfig {
  bool present = false;             // the section was given
  bool keys = false;                // mode keys (the default when the section is given)
  std::string master_key;           // auth.master_key (e.g. ${MODELMUX_MASTER_KEY})
  bool refuse_over_budget = false;  // on_budget_exceeded: refuse (default cap: lower max_tokens to fit)
  ms lease{900'000};                // how long a reservation holds without being settled
  std::int64_t default_max_output = 4096;  // worst-case output when neither request nor price table says
};

// Where state that outlives a request is kept (keys, ledger, credentials).
struct StoreConfig {
  bool present = false;
  std::string sqlite;      // the database file; default modelmux.db beside the config (or the working dir)
  int retention_days = 0;  // ledger rows older than this are removed; 0 keeps them
};

struct Config {
  std::string source;  // file name, or "<built-in defaults>"
  ServerConfig server;
  ErrorsConfig errors;
  AuthConfig auth;
  StoreConfig store;
  std::vector<ModelConfig> models;
  RoutingConfig routing;
  std::vector<PriceOverride> prices;
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
