// One admin API call from the terminal: a small io_context runs the gateway's own upstream client (the
// same HTTP/1.1 code, TLS included) until the answer is in; failures are said on stderr in plain words.
#include "app/cli/admin_client.hpp"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <iostream>

#include "config/config.hpp"
#include "http/client.hpp"

namespace modelmux::app::cli {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The gateway's answer (status and whole body), or why it could not be had.
Result<std::pair<unsigned, std::string>> exchange(const http::Url& url, http::ClientRequest request) {
  asio::io_context io;
  http::ClientTimeouts timeouts{std::chrono::seconds(5), std::chrono::seconds(60), std::chrono::seconds(60)};
  auto task = [&]() -> asio::awaitable<Result<std::pair<unsigned, std::string>>> {
    auto reply = co_await http::send(url, std::move(request), timeouts);
    if (!reply) co_return std::unexpected(reply.error());
    auto body = co_await (*reply)->read_all(64u << 20);
    if (!body) co_return std::unexpected(body.error());
    co_return std::pair{static_cast<unsigned>((*reply)->status()), std::move(*body)};
  };
  auto done = asio::co_spawn(io, task(), asio::use_future);
  io.run();
  return done.get();
}

// The client speaks of "the upstream"; here that is the gateway at the URL the user gave.
std::string reason(const Error& e) {
  if (e.message.find("refused") != std::string::npos) return "connection refused";
  std::string m = e.message;
  for (std::string_view from : {"the upstream's ", "the upstream "})
    for (auto at = m.find(from); at != std::string::npos; at = m.find(from))
      m.replace(at, from.size(), "the ");
  return m;
}

}  // namespace

void Target::resolve() {
  if (url.empty()) url = env("MODELMUX_URL");
  if (url.empty()) {
    auto server = config::builtin_defaults().server;
    url = fmt::format("http://{}:{}", server.host, server.port);
  }
  if (key.empty()) key = env("MODELMUX_MASTER_KEY");
  if (key.empty()) key = env("MODELMUX_API_KEY");
}

int Commands::run() {
  if (!action) return 1;
  target.resolve();
  try {
    return action();
  } catch (const Failed& f) {
    return f.exit_code;
  }
}

void add_target_options(CLI::App& group, Target& target) {
  group.fallthrough();
  group.add_option("--url", target.url,
                   "the gateway, http://HOST:PORT (default: $MODELMUX_URL, else the default config's "
                   "http://127.0.0.1:4000); plain http is meant for loopback, https is verified");
  group.add_option("--key", target.key,
                   "the master key or an admin key (default: $MODELMUX_MASTER_KEY, else $MODELMUX_API_KEY)");
  group.add_flag("--json", target.json, "print the admin API's JSON answer as it is, for scripts");
}

void on_run(CLI::App& cmd, Commands& commands, std::function<int()> f) {
  cmd.callback([&commands, f = std::move(f)] { commands.action = f; });
}

void fail_with(const std::string& message, int exit_code) {
  std::cerr << "modelmux: " << message << std::endl;
  throw Failed{exit_code};
}

std::string segment(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out.push_back(static_cast<char>(c));
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::string query(const std::vector<std::pair<std::string_view, std::string>>& params) {
  std::string q;
  for (const auto& [name, value] : params) {
    if (value.empty()) continue;
    q += fmt::format("{}{}={}", q.empty() ? '?' : '&', name, segment(value));
  }
  return q;
}

Response call(const Target& target, std::string_view method, std::string_view path, const json::value* body) {
  auto url = http::parse_url(target.url);
  if (!url) fail_with(fmt::format("--url {}: {}", target.url, url.error().message), 2);
  http::ClientRequest request;
  request.method = std::string(method);
  request.target = fmt::format("{}/admin/v1/{}", url->path, path);
  request.headers.emplace_back("accept", "application/json");
  if (!target.key.empty()) request.headers.emplace_back("authorization", "Bearer " + target.key);
  if (body) {
    request.headers.emplace_back("content-type", "application/json");
    request.body = json::serialize(*body);
  }
  auto answer = exchange(*url, std::move(request));
  if (!answer)
    fail_with(
        fmt::format("cannot reach the gateway at {}: {} (is `modelmux serve` running there? set --url "
                    "or MODELMUX_URL)",
                    target.url, reason(answer.error())));
  Response r{answer->first, std::move(answer->second), nullptr};
  boost::system::error_code ec;
  r.body = json::parse(r.text, ec);
  if (ec) r.body = nullptr;
  if (r.status < 400) return r;
  // Errors come in OpenAI's shape: {"error": {"message", "type", "code", "param"}}.
  std::string message = r.text.empty() ? "(no body)" : r.text;
  std::string code;
  if (auto* o = r.body.if_object(); o && o->contains("error") && o->at("error").is_object()) {
    const auto& e = o->at("error").get_object();
    if (auto* m = e.if_contains("message"); m && m->is_string()) message = m->get_string();
    if (auto* c = e.if_contains("code"); c && c->is_string()) code = c->get_string();
  }
  fail_with(fmt::format("{} (HTTP {}{}{})", message, r.status, code.empty() ? "" : ", ", code));
}

int show(const Target& target, const Response& r, const std::function<void(const json::value&)>& render) {
  if (target.json) {
    std::cout << r.text;
    if (!r.text.ends_with('\n')) std::cout << '\n';
  } else {
    render(r.body);
  }
  std::cout.flush();
  return 0;
}

}  // namespace modelmux::app::cli
