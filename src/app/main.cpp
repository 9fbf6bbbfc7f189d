// modelmux: `serve` runs the gateway, `route` explains a routing decision, `mock-server` a fake upstream;
// `keys`, `users`, `teams`, `spend`, `audit` and `credentials` drive a running gateway's admin API.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/cli/commands.hpp"
#include "app/health_checks.hpp"
#include "app/local_defaults.hpp"
#include "app/malloc_tuning.hpp"
#include "app/mock_server.hpp"
#include "app/routes.hpp"
#include "http/server.hpp"
#include "store/sqlite/sqlite_responses.hpp"
#include "surfaces/admin/admin.hpp"

using namespace modelmux;

namespace {

bool loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

// Targets whose credential is a stored one get it from the store; without a store there is none to get.
void bind_credentials(const pipeline::Runtime& rt, governance::Governor* governor) {
  for (const auto& g : rt.catalog.groups())
    for (const auto& t : g.targets)
      if (t.live && !governor)
        config::raise(t.cfg.origin, fmt::format("credential {} is a stored credential, which needs a store: "
                                                "add `store: {{}}` or an `auth` section",
                                                t.live->name));
  if (!governor) return;
  for (const auto& problem : governor->vault().bind(rt.catalog, rt.redactor))
    std::cerr << "modelmux: warning: " << problem << std::endl;
}

int serve(const std::string& config_path, const std::string& listen, int threads, bool reuse_port) {
  try {
    config::Config cfg = config_path.empty() ? app::discover_defaults() : config::load_file(config_path);
    if (!listen.empty()) config::parse_listen(listen, {"--listen", 0, ""}, cfg.server.host, cfg.server.port);
    if (threads > 0) cfg.server.threads = threads;
    if (reuse_port) cfg.server.reuse_port = true;
    // Open (no keys) is the default only where nobody else can reach the port.
    if (!cfg.auth.present && !loopback(cfg.server.host))
      throw config::ConfigError(fmt::format(
          "{}: refusing to listen on {} without an `auth` section: anyone who reaches the port could spend "
          "on "
          "your providers. Add `auth: {{master_key: ${{MODELMUX_MASTER_KEY}}}}` to require keys, or "
          "`auth: {{mode: none}}` to run open on purpose.",
          cfg.source, cfg.server.host));
    auto governor = governance::Governor::open(cfg);
    auto rt = std::make_shared<pipeline::Runtime>(std::move(cfg));
    rt->governor = governor.get();
    // With a store, Responses-API responses are kept in it too (across restarts, for its retention);
    // without, in memory.
    if (governor) {
      std::int64_t days = rt->config.store.retention_days;
      rt->responses = std::make_unique<store::SqliteResponseStore>(
          governance::store_path(rt->config), days > 0 ? governance::now_ms() - days * 86'400'000 : 0);
    }
    bind_credentials(*rt, governor.get());
    std::shared_ptr<const pipeline::Runtime> runtime = rt;
    app::HealthChecks health_checks(*runtime);
    http::Server server(
        runtime->config.server, [runtime](http::Exchange& ex) { return app::dispatch(ex, *runtime); },
        [](http::Exchange& ex, const Error& err) { return app::reject(ex, err); });
    auto port = server.bind();
    std::cout << "modelmux listening on " << runtime->config.server.host << ":" << port << std::endl;
    std::cerr << "modelmux: serving " << runtime->catalog.groups().size() << " model(s) from "
              << runtime->config.source
              << (!governor                   ? " (open: no keys, no ledger)"
                  : governor->keys_required() ? " (keys required)"
                                              : " (open: no keys)")
              << std::endl;
    server.run();
    // The ledger's last rows are committed while the server's executors, which their requests wait on,
    // still exist.
    if (governor) governor->close();
    return 0;
  } catch (const config::ConfigError& e) {
    std::cerr << "modelmux: configuration error: " << e.what() << std::endl;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "modelmux: " << e.what() << std::endl;
    return 1;
  }
}

// `modelmux route`: the decision POST /v1/route would give, from a config file, for a body on disk or stdin.
int route(const std::string& config_path, const std::string& body_path, const std::string& strategy) {
  try {
    config::Config cfg = config_path.empty() ? config::builtin_defaults() : config::load_file(config_path);
    pipeline::Runtime rt(std::move(cfg));
    std::stringstream body;
    if (body_path.empty() || body_path == "-") {
      body << std::cin.rdbuf();
    } else {
      std::ifstream in(body_path, std::ios::binary);
      if (!in) {
        std::cerr << "modelmux route: cannot read " << body_path << std::endl;
        return 2;
      }
      body << in.rdbuf();
    }
    http::HeaderList headers;
    if (!strategy.empty()) headers.add("x-modelmux-strategy", strategy);
    auto out = surfaces::admin::explain_route(rt, &headers, body.str());
    if (!out) {
      std::cerr << "modelmux route: " << out.error().message << std::endl;
      return 2;
    }
    std::cout << boost::json::serialize(*out) << std::endl;
    return 0;
  } catch (const config::ConfigError& e) {
    std::cerr << "modelmux: configuration error: " << e.what() << std::endl;
    return 2;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "serve") app::tune_malloc(argv);
  CLI::App cli{"modelmux: one API in front of many LLM providers"};
  cli.require_subcommand(1);

  std::string config_path, listen;
  int threads = 0;
  bool reuse_port = false;
  auto* serve_cmd = cli.add_subcommand("serve", "Run the gateway");
  serve_cmd->add_option("-c,--config", config_path, "YAML configuration file (built-in defaults without it)");
  serve_cmd->add_option("-l,--listen", listen, "HOST:PORT to listen on (overrides server.listen)");
  serve_cmd->add_option("-t,--threads", threads, "worker threads (default: one per core)");
  serve_cmd->add_flag("--reuse-port", reuse_port,
                      "share the address with a process listening on it (overrides server.reuse_port)");

  app::MockServerOptions mo;
  auto* mock_cmd = cli.add_subcommand("mock-server", "Run a fake OpenAI-compatible upstream");
  mock_cmd->add_option("-l,--listen", mo.listen, "HOST:PORT to listen on");
  mock_cmd->add_option("-t,--threads", mo.threads, "worker threads");
  mock_cmd->add_option("--api-key", mo.api_key, "require Authorization: Bearer KEY");
  mock_cmd->add_option("--latency-ms", mo.latency_ms, "delay before the reply");
  mock_cmd->add_option("--jitter-ms", mo.jitter_ms, "random extra delay, up to this");
  mock_cmd->add_option("--chunks", mo.shape.chunks, "content chunks in a stream (default: one per word)");
  mock_cmd->add_option("--chunk-interval-ms", mo.chunk_interval_ms, "delay between streamed chunks");
  mock_cmd->add_option("--response-tokens", mo.shape.response_tokens,
                       "reply with N filler words instead of the echo");
  mock_cmd->add_option("--fail-status", mo.fail_status, "HTTP status of injected failures");
  mock_cmd->add_option("--fail-rate", mo.fail_rate, "fraction of requests that fail (0..1)");
  mock_cmd->add_option("--retry-after", mo.retry_after, "Retry-After seconds sent with failures");
  mock_cmd->add_option("--reset-rate", mo.reset_rate,
                       "fraction of requests answered with a connection reset");
  mock_cmd->add_option("--stall-rate", mo.stall_rate, "fraction of requests never answered");
  mock_cmd->add_option("--cut-after-chunks", mo.cut_after_chunks,
                       "reset a stream's connection after N events");
  mock_cmd->add_option("--malformed-rate", mo.malformed_rate,
                       "fraction of 200 replies whose body is not JSON");
  mock_cmd->add_option("--stream-error-rate", mo.stream_error_rate,
                       "fraction of streams that send an error first");
  mock_cmd->add_option("--fail-code", mo.fail_code, "the error code in injected failures' bodies");
  mock_cmd->add_option("--fail-first", mo.fail_first, "the first N requests fail with --fail-status");

  std::string route_config, route_body, route_strategy;
  auto* route_cmd = cli.add_subcommand(
      "route", "Explain the route a chat-completions body would take (no provider is called)");
  route_cmd->add_option("-c,--config", route_config,
                        "YAML configuration file (built-in defaults without it)");
  route_cmd->add_option("-f,--file", route_body, "the request body (JSON); standard input when omitted or -");
  route_cmd->add_option("-s,--strategy", route_strategy, "override the group's strategy");

  app::cli::Commands admin;
  app::cli::add_admin_commands(cli, admin);

  // A wrong command line exits 2, as a wrong configuration does (CLI11's own codes are 100 and up).
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : 2;
  }
  if (admin.action) return admin.run();
  if (serve_cmd->parsed()) return serve(config_path, listen, threads, reuse_port);
  if (route_cmd->parsed()) return route(route_config, route_body, route_strategy);
  if (mock_cmd->parsed()) {
    try {
      return app::run_mock_server(mo);
    } catch (const std::exception& e) {
      std::cerr << "modelmux mock-server: " << e.what() << std::endl;
      return 2;
    }
  }
  return 1;
}
